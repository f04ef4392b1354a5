using System.Text;
using Fastband.Core.Git;
using Fastband.Core.Sessions;

namespace Fastband.Core.Store;

/// <summary>
/// Session state, and the records of git checkpoints and snapshots. A session's conversation is kept as the UTF-8
/// bytes of its JSON (SQLite BLOB, PostgreSQL bytea), bound from the bytes the validation produced: no second
/// encoding, no text conversion in the server. SQLite overrides the large save and the read (SqliteStore.Sessions.cs).
/// </summary>
internal class SessionStore : ISessionStore
{
    private protected readonly RelationalStore Db;

    public SessionStore(RelationalStore db) => Db = db;

    public SessionSummary SaveSession(SessionState state)
    {
        byte[] conversation = state.ConversationUtf8 ?? Encoding.UTF8.GetBytes(state.ConversationHistory);
        long size = conversation.LongLength + Utf8Length(state.AgentContexts) + Utf8Length(state.TaskProgress);
        return Save(state, conversation, size);
    }

    private static long Utf8Length(string? s) => s is null ? 0 : Encoding.UTF8.GetByteCount(s);

    /// <summary>One upsert in one write transaction: the row holds the whole state; an existing session keeps its creation time.</summary>
    private protected virtual SessionSummary Save(SessionState state, byte[] conversation, long size) =>
        Db.InWriteTransaction(() =>
        {
            var (created, updated) = Db.Rows(
                "INSERT INTO sessions (session_id, agent, conversation, agent_contexts, task_progress, current_task, message_count, size_bytes, created_us, updated_us) " +
                "VALUES (@id, @agent, @conv, @ctx, @progress, @task, @count, @size, @now, @now) " +
                "ON CONFLICT (session_id) DO UPDATE SET agent = excluded.agent, conversation = excluded.conversation, " +
                "agent_contexts = excluded.agent_contexts, task_progress = excluded.task_progress, current_task = excluded.current_task, " +
                "message_count = excluded.message_count, size_bytes = excluded.size_bytes, updated_us = excluded.updated_us " +
                "RETURNING created_us, updated_us;",
                r => (r.GetInt64(0), r.GetInt64(1)),
                ("id", state.SessionId), ("agent", state.Agent), ("conv", conversation), ("ctx", state.AgentContexts),
                ("progress", state.TaskProgress), ("task", state.CurrentTask), ("count", state.MessageCount), ("size", size),
                ("now", RelationalStore.ToMicros(state.UpdatedAt)))[0];
            return new SessionSummary
            {
                SessionId = state.SessionId, Agent = state.Agent, CurrentTask = state.CurrentTask, MessageCount = state.MessageCount,
                SizeBytes = size, CreatedAt = RelationalStore.FromMicros(created), UpdatedAt = RelationalStore.FromMicros(updated),
            };
        });

    /// <summary>One statement, so one snapshot: a concurrent save never mixes two states. Inside a write transaction, it reads there.</summary>
    public virtual SessionState? GetSession(string sessionId) => Db.Read(() => Db.Rows(
        $"SELECT {StoreRows.SessionColumns}, conversation FROM sessions WHERE session_id = @id;",
        r => StoreRows.Session(r, Encoding.UTF8.GetString(r.GetFieldValue<byte[]>(8))),
        ("id", sessionId)).FirstOrDefault());

    public IReadOnlyList<SessionSummary> ListSessions() =>
        Query($"SELECT {StoreRows.SessionSummaryColumns} FROM sessions ORDER BY updated_us DESC, session_id;", StoreRows.SessionSummaries);

    /// <summary>A read under the connection's gate, its rows read by one of <see cref="StoreRows"/>' readers.</summary>
    private T Query<T>(string sql, Func<System.Data.Common.DbCommand, T> read, params (string, object?)[] parameters) => Db.Read(() =>
    {
        using var cmd = Db.Command(sql, parameters);
        return read(cmd);
    });

    // ---------------------------------------------------------------- checkpoints and snapshots

    public void SaveCheckpoint(CheckpointRecord record)
    {
        string? state = StoreRows.StateJson(record.SessionState);
        Db.InWriteTransaction(() => Db.Execute(
            "INSERT INTO git_checkpoints (name, commit_id, description, agent, session_id, session_state, created_us) " +
            "VALUES (@name, @commit, @desc, @agent, @session, @state, @at) ON CONFLICT (name) DO UPDATE SET " +
            "commit_id = excluded.commit_id, description = excluded.description, agent = excluded.agent, session_id = excluded.session_id, " +
            "session_state = excluded.session_state, created_us = excluded.created_us;",
            ("name", record.Name), ("commit", record.CommitId), ("desc", record.Description), ("agent", record.Agent),
            ("session", record.SessionId), ("state", state), ("at", RelationalStore.ToMicros(record.CreatedAt))));
    }

    public CheckpointRecord? GetCheckpoint(string name) =>
        Query($"SELECT {StoreRows.CheckpointColumns}, session_state FROM git_checkpoints WHERE name = @name;", StoreRows.Checkpoint, ("name", name));

    public IReadOnlyList<(CheckpointRecord Record, bool HasState)> ListCheckpoints() =>
        Query($"SELECT {StoreRows.CheckpointColumns}, session_state IS NOT NULL FROM git_checkpoints ORDER BY created_us DESC;", StoreRows.Checkpoints);

    public void SaveSnapshot(SnapshotRecord record)
    {
        string? state = StoreRows.StateJson(record.SessionState);
        Db.InWriteTransaction(() => Db.Execute(
            "INSERT INTO git_snapshots (snapshot_id, commit_id, reason, agent, session_id, session_state, created_us) " +
            "VALUES (@id, @commit, @reason, @agent, @session, @state, @at);",
            ("id", record.SnapshotId), ("commit", record.CommitId), ("reason", record.Reason), ("agent", record.Agent),
            ("session", record.SessionId), ("state", state), ("at", RelationalStore.ToMicros(record.CreatedAt))));
    }

    public SnapshotRecord? GetSnapshot(string snapshotId) =>
        Query($"SELECT {StoreRows.SnapshotColumns}, session_state FROM git_snapshots WHERE snapshot_id = @id;", StoreRows.Snapshot, ("id", snapshotId));

    public IReadOnlyList<(SnapshotRecord Record, bool HasState)> ListSnapshots() =>
        Query($"SELECT {StoreRows.SnapshotColumns}, session_state IS NOT NULL FROM git_snapshots ORDER BY created_us DESC;", StoreRows.Snapshots);
}
