namespace Fastband.Core.Store;

/// <summary>
/// Forward-only schema migrations: the steps of <see cref="StoreSchema"/>, tracked in PRAGMA user_version. Each
/// step runs in its own BEGIN IMMEDIATE transaction and re-reads the version inside it, so processes that open a
/// new store at the same moment apply each step exactly once.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>The steps, in SQLite's SQL (<see cref="StoreSchema"/>).</summary>
    internal static IReadOnlyList<string> Steps => StoreSchema.Sqlite;

    public static int Latest => StoreSchema.Latest;

    public static int Apply(SqliteStore store)
    {
        int version = store.Scalar<int>("PRAGMA user_version;");
        if (version > Latest)
            throw new StoreException(
                $"The store '{store.DatabasePath}' has schema version {version}, newer than this Fastband understands ({Latest}): upgrade Fastband.");
        while (version < Latest)
        {
            version = store.InWriteTransaction(() =>
            {
                int current = store.Scalar<int>("PRAGMA user_version;");
                if (current >= Latest) return current;
                store.Execute(Steps[current]);
                store.Execute($"PRAGMA user_version = {current + 1};");
                return current + 1;
            });
        }
        return version;
    }
}
