using System.Runtime.CompilerServices;

namespace Fastband.Core.Store;

/// <summary>Opens the store a project is configured for: FASTBAND_STORE, else the config's store: section, else the SQLite file.</summary>
public static class StoreFactory
{
    /// <summary>The project's store; <c>mayBeOffline</c> opens a PostgreSQL store even when its server cannot be reached now (connected on first use).</summary>
    public static IFastbandStore Open(string stateDirectory, StoreSettings settings, Func<string, string?> environment, TimeProvider clock, bool mayBeOffline = false)
    {
        var postgres = settings.SelectPostgres(environment);
        return postgres is null
            ? new SqliteStore(SqlitePath(stateDirectory), clock)
            : OpenPostgres(postgres, clock, mayBeOffline);
    }

    // Its own method, never inlined: compiling Open must not load Npgsql, which costs a SQLite-only process ~30 ms at start-up.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IFastbandStore OpenPostgres(PostgresTarget target, TimeProvider clock, bool mayBeOffline) =>
        new PostgresStore(target, clock, connectLazily: mayBeOffline);

    public static string SqlitePath(string stateDirectory) => Path.Combine(stateDirectory, FastbandProject.DatabaseFileName);

    /// <summary>True when opening created an empty store.</summary>
    public static bool WasCreated(IFastbandStore store) => store is RelationalStore { Created: true };
}
