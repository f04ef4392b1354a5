namespace Fastband.Core.Backup.Database;

/// <summary>
/// The database a project backs up, from the <c>database:</c> section of backup_config.yaml or from
/// DATABASE_URL. The password itself is never stored here: only the name of the environment variable
/// that holds it, read at the moment a tool needs it.
/// </summary>
public sealed record DatabaseTarget
{
    public const string None = "none";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public const string MySql = "mysql";

    /// <summary>sqlite, postgres, mysql or none.</summary>
    public string Type { get; init; } = None;

    /// <summary>SQLite: the database file, absolute.</summary>
    public string? Path { get; init; }

    public string Host { get; init; } = "127.0.0.1";
    public int? Port { get; init; }
    public string? Name { get; init; }
    public string? User { get; init; }

    /// <summary>The environment variable holding the password (never the password).</summary>
    public string? PasswordEnv { get; init; }

    /// <summary>A password that came inside DATABASE_URL; kept out of ToString, manifests and logs.</summary>
    internal string? UrlPassword { get; init; }

    public bool IsNone => Type == None;

    public int EffectivePort => Port ?? (Type == MySql ? 3306 : 5432);

    /// <summary>The password, read now, or null when none is configured.</summary>
    public string? ResolvePassword(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (PasswordEnv is { Length: > 0 } name)
        {
            return environment(name) ?? throw new InvalidInputException("DatabasePasswordMissing",
                $"The database password variable {name} is not set: export it in the environment that runs the backup.");
        }
        return UrlPassword;
    }

    /// <summary>A description safe to print: no password.</summary>
    public override string ToString() => Type switch
    {
        Sqlite => $"sqlite:{Path}",
        None => "none",
        _ => $"{Type}://{User}@{Host}:{EffectivePort}/{Name}",
    };
}

/// <summary>What a dump wrote.</summary>
public sealed record DatabaseDumpResult(string File, long SizeBytes, string Tool);

/// <summary>The result of restoring a dump into a scratch database and checking it.</summary>
public sealed record DatabaseVerification(bool Ok, string Detail);

/// <summary>
/// Dumps, restores and verifies one kind of database with the tools its own documentation asks for.
/// Implementations never put a password on a command line or in an environment variable a `ps` can
/// show: a tool gets a 0600 credentials file made for the call and deleted after; SQL that Fastband sends
/// itself (MySQL/MariaDB, <see cref="MySqlConversation"/>) holds it only in the driver's connection string.
/// </summary>
public interface IDatabaseBackup
{
    string Type { get; }

    /// <summary>Writes a consistent dump into <paramref name="directory"/> (while writers run) and returns the file.</summary>
    DatabaseDumpResult Dump(DatabaseTarget target, string directory, CancellationToken cancellation);

    /// <summary>Replaces the database's contents with the dump.</summary>
    void Restore(DatabaseTarget target, string dumpFile, CancellationToken cancellation);

    /// <summary>Restores the dump into a scratch database, checks it, and drops the scratch database.</summary>
    DatabaseVerification VerifyInScratch(DatabaseTarget target, string dumpFile, CancellationToken cancellation);

    /// <summary>
    /// A cheap value that changes whenever the data may have changed (it may also change when it did not),
    /// for "skip the backup when nothing changed"; null when it cannot be told, which counts as changed.
    /// </summary>
    string? Fingerprint(DatabaseTarget target, CancellationToken cancellation);
}
