namespace Fastband.Core.Store;

/// <summary>
/// Forward-only schema migrations, tracked in PRAGMA user_version. Each step runs in its own
/// BEGIN IMMEDIATE transaction and re-reads the version inside it, so processes that open a new
/// store at the same moment apply each step exactly once.
/// </summary>
internal static class SqliteMigrations
{
    private static readonly string[] Steps =
    {
        // 1: the Agent Ops Log and agent sessions.
        """
        CREATE TABLE ops_log (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_us       INTEGER NOT NULL,
            agent       TEXT    NOT NULL,
            event_type  TEXT    NOT NULL,
            message     TEXT    NOT NULL,
            ticket_id   TEXT,
            metadata    TEXT    NOT NULL DEFAULT '{}',
            host        TEXT    NOT NULL,
            pid         INTEGER NOT NULL
        );
        CREATE INDEX ix_ops_log_ts ON ops_log (ts_us);
        CREATE INDEX ix_ops_log_type_ts ON ops_log (event_type, ts_us);
        CREATE INDEX ix_ops_log_ticket ON ops_log (ticket_id) WHERE ticket_id IS NOT NULL;
        CREATE INDEX ix_ops_log_agent ON ops_log (agent COLLATE NOCASE, ts_us);
        CREATE TABLE agents (
            name               TEXT PRIMARY KEY COLLATE NOCASE,
            host               TEXT    NOT NULL,
            pid                INTEGER NOT NULL,
            process_started_us INTEGER,
            registered_us      INTEGER NOT NULL,
            last_seen_us       INTEGER NOT NULL,
            current_ticket     TEXT
        );
        """,
    };

    public static int Latest => Steps.Length;

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
