namespace Fastband.Core.Store;

/// <summary>What <c>fastband store info</c> / Get-FastbandStore shows.</summary>
public sealed class StoreInfo
{
    /// <summary>sqlite or postgres.</summary>
    public string Backend { get; init; } = "";

    /// <summary>Where the data lives; never a password.</summary>
    public string Location { get; init; } = "";
    public int SchemaVersion { get; init; }

    /// <summary>How follow modes learn of new writes: listen-notify (PostgreSQL) or polling (SQLite).</summary>
    public string Notifications { get; init; } = "";

    /// <summary>What chose this store: FASTBAND_STORE, the config file's path, or default.</summary>
    public string SelectedBy { get; init; } = "";

    public override string ToString() =>
        $"{Backend} store at {Location}, schema version {SchemaVersion}; follow modes use {Notifications}; selected by {SelectedBy}";
}

/// <summary>Store administration: which store the project uses, and copying it between SQLite and PostgreSQL.</summary>
public sealed class StoreAdmin
{
    private readonly IFastbandStore _store;
    private readonly StoreSettings _settings;
    private readonly string _stateDirectory;
    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _clock;

    internal StoreAdmin(IFastbandStore store, StoreSettings settings, string stateDirectory, Func<string, string?> environment, TimeProvider clock)
    {
        _store = store;
        _settings = settings;
        _stateDirectory = stateDirectory;
        _environment = environment;
        _clock = clock;
    }

    public StoreInfo Info() => new()
    {
        Backend = _store is PostgresStore ? StoreSettings.Postgres : StoreSettings.Sqlite,
        Location = _store.Location,
        SchemaVersion = _store.SchemaVersion,
        Notifications = _store.Notifications.Pushes ? "listen-notify" : "polling",
        SelectedBy = _settings.SelectedBy(_environment),
    };

    /// <summary>
    /// Copies the project's SQLite file into a PostgreSQL store (<paramref name="to"/> postgres) or a PostgreSQL
    /// store into the SQLite file (sqlite). The PostgreSQL store is <paramref name="connection"/> when given (no
    /// password in it: use <paramref name="passwordEnv"/> or a PGPASSFILE), else the one the project is configured for.
    /// The source is left as it was.
    /// </summary>
    public StoreCopyResult Migrate(string to, string? connection, string? passwordEnv, string? schema, string? sqlitePath, bool force)
    {
        string target = to.Trim().ToLowerInvariant() switch
        {
            StoreSettings.Postgres or "postgresql" => StoreSettings.Postgres,
            StoreSettings.Sqlite => StoreSettings.Sqlite,
            _ => throw new InvalidInputException("InvalidStoreType", $"'{to}' is not a store type: use --to postgres or --to sqlite."),
        };
        string file = Path.GetFullPath(sqlitePath ?? StoreFactory.SqlitePath(_stateDirectory));
        var settings = _settings.With(passwordEnv, schema);
        var postgres = connection is not null
            ? PostgresTarget.Parse(connection, settings, ConnectionOrigin.CommandLine, _environment, resolvePassword: true)
            : settings.SelectPostgres(_environment)
              ?? throw new InvalidInputException("NoPostgresStore",
                  $"No PostgreSQL store is given: pass --connection \"Host=...;Database=...;Username=...\" (with --password-env NAME or a PGPASSFILE), or configure store: in .fastband/config.yaml.");

        if (target == StoreSettings.Postgres && !File.Exists(file))
            throw new NotFoundException("NoSqliteStore", $"There is no SQLite store at {file} to copy: pass --path to the fastband.db to copy.");
        using var sqlite = new SqliteStore(file, _clock);
        using var pg = new PostgresStore(postgres, _clock);
        return target == StoreSettings.Postgres ? StoreCopy.Copy(sqlite, pg, force) : StoreCopy.Copy(pg, sqlite, force);
    }
}
