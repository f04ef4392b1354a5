using System.Text;
using System.Text.Json;
using Fastband.Core.Git;
using Fastband.Core.Sessions;
using Npgsql;

namespace Fastband.Core.Store;

/// <summary>Session state and the records of git checkpoints and snapshots on PostgreSQL: the SQL of SqliteStore.Sessions.cs.</summary>
public sealed partial class PostgresStore : ISessionStore
{
    public ISessionStore Sessions => this;

    /// <summary>One upsert under the writer lock; the conversation is its UTF-8 bytes (bytea), bound as they are.</summary>
    public SessionSummary SaveSession(SessionState state)
    {
        byte[] conversation = state.ConversationUtf8 ?? Encoding.UTF8.GetBytes(state.ConversationHistory);
        long size = conversation.LongLength + Utf8Length(state.AgentContexts) + Utf8Length(state.TaskProgress);
        return InWriteTransaction(() =>
        {
            using var upsert = Command(
                "INSERT INTO sessions (session_id, agent, conversation, agent_contexts, task_progress, current_task, message_count, size_bytes, created_us, updated_us) " +
                "VALUES (@id, @agent, @conv, @ctx, @progress, @task, @count, @size, @now, @now) " +
                "ON CONFLICT (session_id) DO UPDATE SET agent = excluded.agent, conversation = excluded.conversation, " +
                "agent_contexts = excluded.agent_contexts, task_progress = excluded.task_progress, current_task = excluded.current_task, " +
                "message_count = excluded.message_count, size_bytes = excluded.size_bytes, updated_us = excluded.updated_us " +
                "RETURNING created_us, updated_us;",
                ("id", state.SessionId), ("agent", state.Agent), ("conv", conversation), ("ctx", state.AgentContexts),
                ("progress", state.TaskProgress), ("task", state.CurrentTask), ("count", state.MessageCount), ("size", size),
                ("now", ToMicros(state.UpdatedAt)));
            using var r = upsert.ExecuteReader();
            r.Read();
            return new SessionSummary
            {
                SessionId = state.SessionId, Agent = state.Agent, CurrentTask = state.CurrentTask, MessageCount = state.MessageCount,
                SizeBytes = size, CreatedAt = FromMicros(r.GetInt64(0)), UpdatedAt = FromMicros(r.GetInt64(1)),
            };
        });
    }

    private static long Utf8Length(string? s) => s is null ? 0 : Encoding.UTF8.GetByteCount(s);

    /// <summary>One statement, so one snapshot: a concurrent save never mixes two states.</summary>
    public SessionState? GetSession(string sessionId)
    {
        lock (_gate)
        {
            using var cmd = Command(
                "SELECT session_id, agent, agent_contexts, task_progress, current_task, message_count, created_us, updated_us, conversation " +
                "FROM sessions WHERE session_id = @id;", ("id", sessionId));
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return null;
            return new SessionState
            {
                SessionId = r.GetString(0), Agent = Text(r, 1), AgentContexts = Text(r, 2), TaskProgress = Text(r, 3), CurrentTask = Text(r, 4),
                MessageCount = r.GetInt32(5), CreatedAt = FromMicros(r.GetInt64(6)), UpdatedAt = FromMicros(r.GetInt64(7)),
                ConversationHistory = Encoding.UTF8.GetString(r.GetFieldValue<byte[]>(8)),
            };
        }
    }

    public IReadOnlyList<SessionSummary> ListSessions()
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.SessionSummaryColumns} FROM sessions ORDER BY updated_us DESC, session_id;");
            return StoreRows.SessionSummaries(cmd);
        }
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);



    public void SaveCheckpoint(CheckpointRecord record)
    {
        string? state = StoreRows.StateJson(record.SessionState);
        InWriteTransaction(() =>
        {
            Execute(
                "INSERT INTO git_checkpoints (name, commit_id, description, agent, session_id, session_state, created_us) " +
                "VALUES (@name, @commit, @desc, @agent, @session, @state, @at) ON CONFLICT (name) DO UPDATE SET " +
                "commit_id = excluded.commit_id, description = excluded.description, agent = excluded.agent, session_id = excluded.session_id, " +
                "session_state = excluded.session_state, created_us = excluded.created_us;",
                ("name", record.Name), ("commit", record.CommitId), ("desc", record.Description), ("agent", record.Agent),
                ("session", record.SessionId), ("state", state), ("at", ToMicros(record.CreatedAt)));
            return 0;
        });
    }

    public CheckpointRecord? GetCheckpoint(string name)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.CheckpointColumns}, session_state FROM git_checkpoints WHERE name = @name;", ("name", name));
            return StoreRows.Checkpoint(cmd);
        }
    }

    public IReadOnlyList<(CheckpointRecord Record, bool HasState)> ListCheckpoints()
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.CheckpointColumns}, session_state IS NOT NULL FROM git_checkpoints ORDER BY created_us DESC;");
            return StoreRows.Checkpoints(cmd);
        }
    }


    public void SaveSnapshot(SnapshotRecord record)
    {
        string? state = StoreRows.StateJson(record.SessionState);
        InWriteTransaction(() =>
        {
            Execute(
                "INSERT INTO git_snapshots (snapshot_id, commit_id, reason, agent, session_id, session_state, created_us) " +
                "VALUES (@id, @commit, @reason, @agent, @session, @state, @at);",
                ("id", record.SnapshotId), ("commit", record.CommitId), ("reason", record.Reason), ("agent", record.Agent),
                ("session", record.SessionId), ("state", state), ("at", ToMicros(record.CreatedAt)));
            return 0;
        });
    }

    public SnapshotRecord? GetSnapshot(string snapshotId)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.SnapshotColumns}, session_state FROM git_snapshots WHERE snapshot_id = @id;", ("id", snapshotId));
            return StoreRows.Snapshot(cmd);
        }
    }

    public IReadOnlyList<(SnapshotRecord Record, bool HasState)> ListSnapshots()
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.SnapshotColumns}, session_state IS NOT NULL FROM git_snapshots ORDER BY created_us DESC;");
            return StoreRows.Snapshots(cmd);
        }
    }

}
