namespace Fastband.Core.Store;

/// <summary>Opens the store a project is configured for: FASTBAND_STORE, else the config's store: section, else the SQLite file.</summary>
public static class StoreFactory
{
    public static IFastbandStore Open(string stateDirectory, StoreSettings settings, Func<string, string?> environment, TimeProvider clock)
    {
        var postgres = settings.SelectPostgres(environment);
        return postgres is null
            ? new SqliteStore(SqlitePath(stateDirectory), clock)
            : new PostgresStore(postgres, clock);
    }

    public static string SqlitePath(string stateDirectory) => Path.Combine(stateDirectory, FastbandProject.DatabaseFileName);

    /// <summary>True when opening created an empty store.</summary>
    public static bool WasCreated(IFastbandStore store) => store switch
    {
        SqliteStore s => s.Created,
        PostgresStore p => p.Created,
        _ => false,
    };
}
