namespace Fastband.Core.Store;

/// <summary>
/// Forward-only schema migrations, tracked in PRAGMA user_version. Each step runs in its own
/// BEGIN IMMEDIATE transaction and re-reads the version inside it, so processes that open a new
/// store at the same moment apply each step exactly once.
/// </summary>
internal static class SqliteMigrations
{
    internal static readonly string[] Steps =
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
        // 2: locks as leases with fencing tokens, FIFO waiters, lock history.
        """
        CREATE TABLE counters (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT INTO counters (name, value) VALUES ('fencing', 0);
        CREATE TABLE leases (
            lease_id        TEXT PRIMARY KEY,
            agent           TEXT    NOT NULL COLLATE NOCASE,
            session         TEXT,
            mode            TEXT    NOT NULL,
            fencing_token   INTEGER NOT NULL,
            host            TEXT    NOT NULL,
            pid             INTEGER,
            pid_started_us  INTEGER,
            reason          TEXT,
            acquired_us     INTEGER NOT NULL,
            expires_us      INTEGER NOT NULL,
            renewed_us      INTEGER NOT NULL
        );
        CREATE TABLE lease_resources (
            lease_id  TEXT NOT NULL REFERENCES leases (lease_id) ON DELETE CASCADE,
            resource  TEXT NOT NULL,
            PRIMARY KEY (lease_id, resource)
        );
        CREATE INDEX ix_lease_resources_resource ON lease_resources (resource);
        CREATE TABLE resource_tokens (
            resource  TEXT PRIMARY KEY,
            token     INTEGER NOT NULL
        );
        CREATE TABLE lock_waiters (
            ticket          INTEGER PRIMARY KEY AUTOINCREMENT,
            agent           TEXT    NOT NULL COLLATE NOCASE,
            session         TEXT,
            resources       TEXT    NOT NULL,
            mode            TEXT    NOT NULL,
            host            TEXT    NOT NULL,
            pid             INTEGER NOT NULL,
            pid_started_us  INTEGER,
            enqueued_us     INTEGER NOT NULL,
            seen_us         INTEGER NOT NULL
        );
        CREATE TABLE lock_history (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_us          INTEGER NOT NULL,
            action         TEXT    NOT NULL,
            lease_id       TEXT,
            agent          TEXT    NOT NULL,
            resources      TEXT    NOT NULL,
            fencing_token  INTEGER,
            detail         TEXT
        );
        CREATE INDEX ix_lock_history_ts ON lock_history (ts_us);
        CREATE INDEX ix_lock_history_lease ON lock_history (lease_id) WHERE lease_id IS NOT NULL;
        """,
        // 3: agent status for the board, and messages between agents.
        """
        CREATE TABLE agent_status (
            agent       TEXT PRIMARY KEY COLLATE NOCASE,
            status      TEXT    NOT NULL,
            files       TEXT    NOT NULL DEFAULT '[]',
            ticket_id   TEXT,
            note        TEXT,
            updated_us  INTEGER NOT NULL
        );
        CREATE TABLE messages (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            recipient  TEXT    NOT NULL COLLATE NOCASE,
            seq        INTEGER NOT NULL,
            sender     TEXT    NOT NULL,
            kind       TEXT    NOT NULL,
            thread     TEXT,
            body       TEXT    NOT NULL,
            sent_us    INTEGER NOT NULL,
            acked_us   INTEGER,
            UNIQUE (recipient, seq)
        );
        CREATE INDEX ix_messages_unread ON messages (recipient, acked_us, seq);
        """,
        // 4: heartbeats (one row per agent, its last beat) and leader terms (the leader's lease is a row of leases).
        """
        CREATE TABLE heartbeats (
            agent     TEXT PRIMARY KEY COLLATE NOCASE,
            role      TEXT    NOT NULL,
            host      TEXT    NOT NULL,
            pid       INTEGER NOT NULL,
            first_us  INTEGER NOT NULL,
            beat_us   INTEGER NOT NULL,
            beats     INTEGER NOT NULL
        );
        CREATE TABLE leader_terms (
            term           INTEGER PRIMARY KEY,
            agent          TEXT    NOT NULL COLLATE NOCASE,
            host           TEXT    NOT NULL,
            lease_id       TEXT    NOT NULL,
            fencing_token  INTEGER NOT NULL,
            started_us     INTEGER NOT NULL,
            ended_us       INTEGER,
            end_reason     TEXT
        );
        """,
        // 5: the interaction event log (seed 002) and each agent's cursor into it. (fingerprint, occurrence)
        // makes an import idempotent: the n-th event with the same five seed fields is the same event;
        // uid dedupes the replay of the offline queue.
        """
        CREATE TABLE events (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            interaction  INTEGER NOT NULL,
            actor        TEXT    NOT NULL,
            type         TEXT    NOT NULL,
            content      TEXT    NOT NULL,
            ts_us        INTEGER NOT NULL,
            fingerprint  TEXT    NOT NULL,
            occurrence   INTEGER NOT NULL,
            uid          TEXT UNIQUE,
            UNIQUE (fingerprint, occurrence)
        );
        CREATE INDEX ix_events_interaction ON events (interaction, id);
        CREATE INDEX ix_events_type_ts ON events (type, ts_us);
        CREATE TABLE event_cursors (
            agent       TEXT PRIMARY KEY COLLATE NOCASE,
            acked_id    INTEGER NOT NULL,
            updated_us  INTEGER NOT NULL
        );
        """,
        // 6: issues, fixes and their audit trail. The available list (new, no open blocker, most severe then
        // oldest) reads one partial index in order; open_blockers is kept by the writes that resolve issues.
        """
        CREATE TABLE issues (
            id               TEXT PRIMARY KEY COLLATE NOCASE,
            severity         INTEGER NOT NULL,
            title            TEXT    NOT NULL,
            description      TEXT    NOT NULL DEFAULT '',
            files            TEXT    NOT NULL DEFAULT '[]',
            blocked_by       TEXT    NOT NULL DEFAULT '[]',
            open_blockers    INTEGER NOT NULL DEFAULT 0,
            status           TEXT    NOT NULL,
            created_by       TEXT    NOT NULL,
            created_us       INTEGER NOT NULL,
            updated_us       INTEGER NOT NULL,
            assigned_to      TEXT COLLATE NOCASE,
            claimed_us       INTEGER,
            claim_token      INTEGER,
            resolved_by      TEXT,
            resolved_us      INTEGER,
            resolved_by_fix  TEXT
        );
        CREATE INDEX ix_issues_available ON issues (severity, created_us, id) WHERE status = 'new' AND open_blockers = 0;
        CREATE INDEX ix_issues_assignee ON issues (assigned_to) WHERE assigned_to IS NOT NULL;
        CREATE TABLE issue_blockers (
            issue_id    TEXT NOT NULL COLLATE NOCASE REFERENCES issues (id),
            blocker_id  TEXT NOT NULL COLLATE NOCASE REFERENCES issues (id),
            PRIMARY KEY (issue_id, blocker_id)
        );
        CREATE INDEX ix_issue_blockers_blocker ON issue_blockers (blocker_id);
        CREATE TABLE fixes (
            id             TEXT PRIMARY KEY COLLATE NOCASE,
            issue_id       TEXT    NOT NULL COLLATE NOCASE REFERENCES issues (id),
            title          TEXT    NOT NULL,
            approach       TEXT    NOT NULL,
            files          TEXT    NOT NULL DEFAULT '[]',
            lines          TEXT,
            tested         INTEGER NOT NULL DEFAULT 0,
            test_notes     TEXT,
            status         TEXT    NOT NULL,
            proposed_by    TEXT    NOT NULL,
            proposed_us    INTEGER NOT NULL,
            verified_by    TEXT    NOT NULL DEFAULT '[]',
            applied_by     TEXT,
            applied_us     INTEGER,
            rejected_by    TEXT,
            rejected_us    INTEGER,
            reject_reason  TEXT
        );
        CREATE INDEX ix_fixes_issue ON fixes (issue_id);
        CREATE INDEX ix_fixes_status ON fixes (status, proposed_us);
        CREATE TABLE audit (
            id        INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_us     INTEGER NOT NULL,
            agent     TEXT    NOT NULL,
            action    TEXT    NOT NULL,
            success   INTEGER NOT NULL,
            message   TEXT    NOT NULL,
            issue_id  TEXT,
            fix_id    TEXT
        );
        CREATE INDEX ix_audit_ts ON audit (ts_us);
        CREATE INDEX ix_audit_issue ON audit (issue_id) WHERE issue_id IS NOT NULL;
        INSERT INTO counters (name, value) VALUES ('issue', 0), ('fix', 0), ('claim', 0);
        """,
        // 7: session state (seed 004), and the store's records of git checkpoints and snapshots, each with the
        //    session state that belongs to it (a SessionState as compact JSON). A session's conversation is kept in its
        //    row as the UTF-8 bytes of its JSON (a BLOB: bound and read without re-encoding; see SqliteStore.Sessions.cs).
        """
        CREATE TABLE sessions (
            session_id            TEXT PRIMARY KEY,
            agent                 TEXT,
            conversation          BLOB    NOT NULL,
            agent_contexts        TEXT,
            task_progress         TEXT,
            current_task          TEXT,
            message_count         INTEGER NOT NULL,
            size_bytes            INTEGER NOT NULL,
            created_us            INTEGER NOT NULL,
            updated_us            INTEGER NOT NULL
        );
        CREATE INDEX ix_sessions_updated ON sessions (updated_us);
        CREATE TABLE git_checkpoints (
            name           TEXT PRIMARY KEY,
            commit_id      TEXT    NOT NULL,
            description    TEXT,
            agent          TEXT    NOT NULL,
            session_id     TEXT,
            session_state  TEXT,
            created_us     INTEGER NOT NULL
        );
        CREATE TABLE git_snapshots (
            snapshot_id    TEXT PRIMARY KEY,
            commit_id      TEXT    NOT NULL,
            reason         TEXT,
            agent          TEXT    NOT NULL,
            session_id     TEXT,
            session_state  TEXT,
            created_us     INTEGER NOT NULL
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
