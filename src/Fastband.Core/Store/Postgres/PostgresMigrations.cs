namespace Fastband.Core.Store;

/// <summary>
/// Forward-only schema migrations for <see cref="PostgresStore"/>: the steps of <see cref="StoreSchema"/>, which
/// SQLite's store runs too, tracked in a schema_version table of the store's schema. Each step runs in its own
/// transaction under a migration advisory lock and re-reads the version inside it, so processes that open a new
/// store at the same moment apply each step exactly once; DDL is transactional in PostgreSQL, so a failed step
/// leaves nothing behind.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The steps, in PostgreSQL's SQL (<see cref="StoreSchema"/>).</summary>
    internal static IReadOnlyList<string> Steps => StoreSchema.Postgres;

    public static int Latest => StoreSchema.Latest;

    /// <summary>Every table the steps create, for <see cref="PostgresStore.QuickCheck"/>.</summary>
    public static IReadOnlyList<string> Tables => StoreSchema.Tables;

    /// <summary>Brings the store's schema to <see cref="Latest"/>; returns the version and whether this call created the tables.</summary>
    public static (int Version, bool Created) Apply(PostgresStore store)
    {
        string schema = PostgresTarget.Quote(store.Target.Schema);
        bool created = false;
        int version = store.InMigrationTransaction(() =>
        {
            // Under the lock, so that two first opens do not race on CREATE ... IF NOT EXISTS (which is not atomic).
            // CREATE SCHEMA IF NOT EXISTS still needs the CREATE right on the database: ask only when the schema is missing.
            if (store.Scalar<int>("SELECT COUNT(*) FROM pg_namespace WHERE nspname = @schema;", ("schema", store.Target.Schema)) == 0)
                store.Execute($"CREATE SCHEMA {schema};");
            store.Execute($"CREATE TABLE IF NOT EXISTS {schema}.schema_version (version INTEGER NOT NULL);");
            return store.Scalar<int>($"SELECT COALESCE(MAX(version), 0) FROM {schema}.schema_version;");
        });
        if (version > Latest)
            throw new StoreException(
                $"The store {store.Location} has schema version {version}, newer than this Fastband understands ({Latest}): upgrade Fastband.");
        while (version < Latest)
        {
            version = store.InMigrationTransaction(() =>
            {
                int current = store.Scalar<int>($"SELECT COALESCE(MAX(version), 0) FROM {schema}.schema_version;");
                if (current >= Latest) return current;
                if (current == 0) created = true;
                store.Execute(Steps[current]);
                store.Execute($"DELETE FROM {schema}.schema_version; INSERT INTO {schema}.schema_version (version) VALUES ({current + 1});");
                return current + 1;
            });
        }
        return (version, created);
    }
}
