using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Fastband.Core.Backup.Database;

/// <summary>
/// PostgreSQL the way its documentation asks: <c>pg_dump -Fc</c> (a consistent snapshot that does not
/// block writers) into <c>database.dump</c>; restore with <c>pg_restore --clean --if-exists --exit-on-error</c>.
/// The password reaches the tools through a 0600 PGPASSFILE named in the child's environment; it is
/// never on a command line and never in PGPASSWORD. pg_dump's major version must be at least the server's.
/// </summary>
public sealed class PostgresDatabaseBackup : IDatabaseBackup
{
    public const string DumpFileName = "database.dump";

    public string Type => DatabaseTarget.Postgres;

    public DatabaseDumpResult Dump(DatabaseTarget target, string directory, CancellationToken cancellation)
    {
        Require(target);
        string pgDump = Tool("pg_dump");
        using var session = new Session(target);
        var (toolVersion, toolMajor) = ToolVersion(pgDump, session.Password, cancellation);
        int serverMajor = ServerMajor(session, cancellation);
        if (serverMajor > toolMajor)
        {
            throw new FastbandException(FailureKind.Failed, "PgDumpTooOld",
                $"{pgDump} is version {toolMajor} but the server at {target.Host}:{target.EffectivePort} runs PostgreSQL {serverMajor}: install the PostgreSQL {serverMajor} client tools (pg_dump must be at least the server's version).");
        }
        Directory.CreateDirectory(directory);
        string final = Path.Combine(directory, DumpFileName);
        string temp = DatabaseTools.TempBeside(final);
        try
        {
            DatabaseTools.CreateOwnerOnly(temp).Dispose(); // pg_dump truncates it and keeps the 0600 mode
            var run = session.Run(pgDump, new[] { "-Fc", "--file", temp, "--dbname", target.Name! }, cancellation);
            if (run.ExitCode != 0)
            {
                throw Failed("DatabaseDumpFailed", $"pg_dump of {target} failed ({run.Reason(session.Password)})", target);
            }
            if (new FileInfo(temp).Length == 0)
            {
                throw new FastbandException(FailureKind.Failed, "DatabaseDumpFailed", $"pg_dump of {target} exited cleanly but wrote nothing: check the server log.");
            }
            File.Move(temp, final, overwrite: true);
        }
        finally
        {
            DatabaseTools.TryDelete(temp);
        }
        return new DatabaseDumpResult(final, new FileInfo(final).Length, toolVersion);
    }

    /// <summary>
    /// Replaces the objects the dump contains (<c>--clean --if-exists</c>), in one transaction, stopping
    /// at the first error (then nothing changed). Objects created after the dump are left alone.
    /// </summary>
    public void Restore(DatabaseTarget target, string dumpFile, CancellationToken cancellation)
    {
        Require(target);
        RequireDump(dumpFile);
        string pgRestore = Tool("pg_restore");
        using var session = new Session(target);
        var list = DatabaseTools.Run(pgRestore, new[] { "--list", dumpFile }, cancellation, session.Password);
        if (list.ExitCode != 0)
        {
            throw new InvalidInputException("DatabaseDumpDamaged", $"The dump {dumpFile} is not a readable pg_dump archive ({list.Reason(session.Password)}): restore from another backup.");
        }
        var run = session.Run(pgRestore, new[] { "--clean", "--if-exists", "--exit-on-error", "--no-owner", "--single-transaction", "--dbname", target.Name!, dumpFile }, cancellation);
        if (run.ExitCode != 0)
        {
            throw Failed("DatabaseRestoreFailed", $"pg_restore into {target} failed and changed nothing ({run.Reason(session.Password)})", target);
        }
    }

    /// <summary>Restores into a new database fastband_verify_&lt;random&gt;, counts its tables, and always drops it.</summary>
    public DatabaseVerification VerifyInScratch(DatabaseTarget target, string dumpFile, CancellationToken cancellation)
    {
        Require(target);
        if (!File.Exists(dumpFile)) return new DatabaseVerification(false, $"the dump {dumpFile} does not exist");
        string pgRestore = Tool("pg_restore");
        string scratch = "fastband_verify_" + DatabaseTools.RandomSuffix();
        using var session = new Session(target);
        var create = session.Psql($"CREATE DATABASE {scratch}", target.Name!, cancellation);
        if (create.ExitCode != 0)
        {
            return new DatabaseVerification(false, $"could not create the scratch database {scratch} (the user needs CREATEDB): {create.Reason(session.Password)}");
        }
        try
        {
            var run = session.Run(pgRestore, new[] { "--exit-on-error", "--no-owner", "--no-privileges", "--dbname", scratch, dumpFile }, cancellation);
            if (run.ExitCode != 0)
            {
                return new DatabaseVerification(false, $"pg_restore into {scratch} failed: {run.Reason(session.Password)}");
            }
            var count = session.Psql("select count(*) from information_schema.tables where table_schema not in ('pg_catalog','information_schema')", scratch, cancellation);
            if (count.ExitCode != 0 || !int.TryParse(count.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int tables))
            {
                return new DatabaseVerification(false, $"counting the tables in {scratch} failed: {count.Reason(session.Password)}");
            }
            return new DatabaseVerification(true, $"pg_restore into a scratch database ok; {tables} tables");
        }
        finally
        {
            // Always, even when cancelled: a scratch database left behind would pile up.
            session.Psql($"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)", target.Name!, CancellationToken.None);
        }
    }

    /// <summary>The WAL insert position: it moves with every write in the cluster and stays put through reads.</summary>
    public string? Fingerprint(DatabaseTarget target, CancellationToken cancellation)
    {
        try
        {
            string lsn = Query(target, "SELECT pg_current_wal_insert_lsn()", cancellation: cancellation).Trim();
            return lsn.Length == 0 ? null : "pg-lsn:" + lsn;
        }
        catch (FastbandException)
        {
            return null; // unreachable now: the backup itself will say why
        }
    }

    /// <summary>Runs SQL with psql against <paramref name="database"/> (default: the target's) and returns stdout; throws on failure.</summary>
    internal static string Query(DatabaseTarget target, string sql, string? database = null, CancellationToken cancellation = default)
    {
        Require(target);
        using var session = new Session(target);
        var run = session.Psql(sql, database ?? target.Name!, cancellation);
        if (run.ExitCode != 0) throw Failed("DatabaseQueryFailed", $"psql against {target} failed ({run.Reason(session.Password)})", target);
        return run.StandardOutput;
    }

    /// <summary>pg_dump, pg_restore or psql: on PATH, else under /usr/lib/postgresql/&lt;highest&gt;/bin.</summary>
    internal static string Tool(string name)
    {
        return DatabaseTools.Find(new[] { name }, VersionedBinDirs())
            ?? throw new NotFoundException("DatabaseToolMissing",
                $"{name} was not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL client tools (apt-get install postgresql-client).");
    }

    private static IEnumerable<string> VersionedBinDirs()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return Array.Empty<string>();
        return Directory.GetDirectories(root)
            .Select(d => (Dir: d, Ok: decimal.TryParse(Path.GetFileName(d), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal v), Version: v))
            .Where(x => x.Ok)
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "bin"));
    }

    private static (string Text, int Major) ToolVersion(string tool, string? secret, CancellationToken cancellation)
    {
        var run = DatabaseTools.Run(tool, new[] { "--version" }, cancellation, secret);
        string text = run.StandardOutput.Trim();
        var match = Regex.Match(text, @"\)\s*(\d+)");
        if (run.ExitCode != 0 || !match.Success)
        {
            throw new FastbandException(FailureKind.Failed, "DatabaseToolBroken", $"{tool} --version did not print a version ({run.Reason(null)}): reinstall the PostgreSQL client tools.");
        }
        return (text, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static int ServerMajor(Session session, CancellationToken cancellation)
    {
        var run = session.Psql("show server_version_num", session.Target.Name!, cancellation);
        if (run.ExitCode != 0 || !int.TryParse(run.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            throw Failed("DatabaseConnectFailed", $"Connecting to {session.Target} failed ({run.Reason(session.Password)})", session.Target);
        }
        return number / 10000;
    }

    private static FastbandException Failed(string errorId, string what, DatabaseTarget target) =>
        new(FailureKind.Failed, errorId, $"{what}: check the host, port, user, database name and the password in {(target.PasswordEnv is { Length: > 0 } env ? env : "DATABASE_URL")}.");

    private static void Require(DatabaseTarget target)
    {
        if (string.IsNullOrWhiteSpace(target.Name) || string.IsNullOrWhiteSpace(target.User))
        {
            throw new InvalidInputException("DatabaseTargetIncomplete", "The PostgreSQL database needs a name and a user: set database.name and database.user in backup_config.yaml (or DATABASE_URL).");
        }
    }

    private static void RequireDump(string dumpFile)
    {
        if (!File.Exists(dumpFile))
        {
            throw new NotFoundException("DatabaseDumpNotFound", $"The dump {dumpFile} does not exist: pick a backup that contains a database dump.");
        }
    }

    /// <summary>One connection's settings and its PGPASSFILE, deleted on Dispose.</summary>
    private sealed class Session : IDisposable
    {
        private readonly CredentialsFile? _passFile;
        private readonly Dictionary<string, string> _environment = new();

        public Session(DatabaseTarget target)
        {
            Target = target;
            Password = target.ResolvePassword();
            if (!string.IsNullOrEmpty(Password))
            {
                if (Password.Contains('\n') || Password.Contains('\r'))
                {
                    throw new InvalidInputException("DatabasePasswordInvalid", "The PostgreSQL password contains a line break, which a password file cannot hold: change the password.");
                }
                // hostname:port:database:username:password, with ':' and '\' escaped.
                _passFile = new CredentialsFile("pgpass", $"*:*:*:{Escape(target.User!)}:{Escape(Password)}\n");
                _environment["PGPASSFILE"] = _passFile.Path;
            }
            _environment["PGCONNECT_TIMEOUT"] = "15";
        }

        public DatabaseTarget Target { get; }

        public string? Password { get; }

        public ToolRun Run(string tool, IEnumerable<string> arguments, CancellationToken cancellation)
        {
            var all = new List<string> { "--no-password", "--host", Target.Host, "--port", Target.EffectivePort.ToString(CultureInfo.InvariantCulture), "--username", Target.User! };
            all.AddRange(arguments);
            return DatabaseTools.Run(tool, all, cancellation, Password, _environment);
        }

        public ToolRun Psql(string sql, string database, CancellationToken cancellation) =>
            Run(Tool("psql"), new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "--dbname", database, "-c", sql }, cancellation);

        public void Dispose() => _passFile?.Dispose();

        private static string Escape(string value) => new StringBuilder(value).Replace("\\", "\\\\").Replace(":", "\\:").ToString();
    }
}
