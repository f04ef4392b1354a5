using System.Buffers;
using System.Text;
using System.Text.Json;
using Fastband.Core.Git;
using Fastband.Core.Sessions;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

/// <summary>Session state, and the records of git checkpoints and snapshots.</summary>
public sealed partial class SqliteStore : ISessionStore
{
    public ISessionStore Sessions => this;

    // ---------------------------------------------------------------- sessions

    /// <summary>
    /// One upsert in one write transaction: the row holds the whole state, the conversation as the UTF-8 bytes of its
    /// JSON (a BLOB, bound from the bytes the check produced: no second encoding, no text conversion in SQLite).
    /// </summary>
    public SessionSummary SaveSession(SessionState state)
    {
        byte[] conversation = state.ConversationUtf8 ?? Encoding.UTF8.GetBytes(state.ConversationHistory);
        long size = conversation.LongLength + Utf8Length(state.AgentContexts) + Utf8Length(state.TaskProgress);
        if (conversation.Length < CheckpointApartBytes) return Upsert(state, conversation, size);
        lock (_gate)
        {
            // A large save fills the WAL past the automatic checkpoint's threshold, so its commit would copy the bytes
            // into the database while this process still holds the writer gate. The same checkpoint runs here instead,
            // right after the gate is released: the saver waits for it as before, other writers do not.
            Execute("PRAGMA wal_autocheckpoint = 0;");
            SessionSummary summary;
            try
            {
                summary = Upsert(state, conversation, size);
            }
            finally
            {
                Execute($"PRAGMA wal_autocheckpoint = {AutoCheckpointPages};");
            }
            Execute("PRAGMA wal_checkpoint(PASSIVE);");
            return summary;
        }
    }

    /// <summary>Conversations from this size on are checkpointed after the writer gate is released (see SaveSession).</summary>
    private const int CheckpointApartBytes = 1024 * 1024;

    /// <summary>SQLite's default, which the store keeps.</summary>
    private const int AutoCheckpointPages = 1000;

    private SessionSummary Upsert(SessionState state, byte[] conversation, long size) =>
        InWriteTransaction(() =>
        {
            using var upsert = Command(
                "INSERT INTO sessions (session_id, agent, conversation, agent_contexts, task_progress, current_task, message_count, size_bytes, created_us, updated_us) " +
                "VALUES ($id, $agent, $conv, $ctx, $progress, $task, $count, $size, $now, $now) " +
                "ON CONFLICT (session_id) DO UPDATE SET agent = excluded.agent, conversation = excluded.conversation, " +
                "agent_contexts = excluded.agent_contexts, task_progress = excluded.task_progress, current_task = excluded.current_task, " +
                "message_count = excluded.message_count, size_bytes = excluded.size_bytes, updated_us = excluded.updated_us " +
                "RETURNING created_us, updated_us;",
                ("$id", state.SessionId), ("$agent", state.Agent), ("$conv", conversation), ("$ctx", state.AgentContexts),
                ("$progress", state.TaskProgress), ("$task", state.CurrentTask), ("$count", state.MessageCount), ("$size", size),
                ("$now", ToMicros(state.UpdatedAt)));
            using var r = upsert.ExecuteReader();
            r.Read();
            return new SessionSummary
            {
                SessionId = state.SessionId, Agent = state.Agent, CurrentTask = state.CurrentTask, MessageCount = state.MessageCount,
                SizeBytes = size, CreatedAt = FromMicros(r.GetInt64(0)), UpdatedAt = FromMicros(r.GetInt64(1)),
            };
        });

    private static long Utf8Length(string? s) => s is null ? 0 : Encoding.UTF8.GetByteCount(s);

    /// <summary>
    /// The row's small columns and the conversation's length first (length() of a BLOB does not read it), then the
    /// conversation through incremental blob I/O straight into one pooled buffer, decoded once. Both inside one read
    /// transaction, so a save that commits in between cannot mix two states.
    /// </summary>
    public SessionState? GetSession(string sessionId)
    {
        lock (_gate)
        {
            bool own = SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) != 0; // not already inside a transaction
            if (own) Execute("BEGIN;");
            try
            {
                using var cmd = Command(
                    "SELECT rowid, session_id, agent, agent_contexts, task_progress, current_task, message_count, created_us, updated_us, length(conversation) " +
                    "FROM sessions WHERE session_id = $id;", ("$id", sessionId));
                using var r = cmd.ExecuteReader();
                if (!r.Read()) return null;
                return new SessionState
                {
                    SessionId = r.GetString(1), Agent = NullableString(r, 2), ConversationHistory = ReadConversation(r.GetInt64(0), r.GetInt64(9)),
                    AgentContexts = NullableString(r, 3), TaskProgress = NullableString(r, 4), CurrentTask = NullableString(r, 5),
                    MessageCount = r.GetInt32(6), CreatedAt = FromMicros(r.GetInt64(7)), UpdatedAt = FromMicros(r.GetInt64(8)),
                };
            }
            finally
            {
                if (own) Execute("COMMIT;");
            }
        }
    }

    private string ReadConversation(long rowid, long length)
    {
        if (length > int.MaxValue) throw new StoreException($"A saved conversation of {length:N0} bytes is larger than this Fastband can read.");
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            using (var blob = new SqliteBlob(_connection, "sessions", "conversation", rowid, readOnly: true))
            {
                var span = buffer.AsSpan(0, (int)length);
                while (span.Length > 0)
                {
                    int n = blob.Read(span);
                    if (n == 0) throw new StoreException("A saved conversation ended before its recorded length: save the session again.");
                    span = span[n..];
                }
            }
            return Encoding.UTF8.GetString(buffer, 0, (int)length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);



    // ---------------------------------------------------------------- checkpoints and snapshots

    public void SaveCheckpoint(CheckpointRecord record)
    {
        string? state = StoreRows.StateJson(record.SessionState);
        InWriteTransaction(() =>
        {
            using var cmd = Command(
                "INSERT INTO git_checkpoints (name, commit_id, description, agent, session_id, session_state, created_us) " +
                "VALUES ($name, $commit, $desc, $agent, $session, $state, $at) ON CONFLICT (name) DO UPDATE SET " +
                "commit_id = excluded.commit_id, description = excluded.description, agent = excluded.agent, session_id = excluded.session_id, " +
                "session_state = excluded.session_state, created_us = excluded.created_us;",
                ("$name", record.Name), ("$commit", record.CommitId), ("$desc", record.Description), ("$agent", record.Agent),
                ("$session", record.SessionId), ("$state", state), ("$at", ToMicros(record.CreatedAt)));
            return cmd.ExecuteNonQuery();
        });
    }

    public CheckpointRecord? GetCheckpoint(string name)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.CheckpointColumns}, session_state FROM git_checkpoints WHERE name = $name;", ("$name", name));
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
            using var cmd = Command(
                "INSERT INTO git_snapshots (snapshot_id, commit_id, reason, agent, session_id, session_state, created_us) " +
                "VALUES ($id, $commit, $reason, $agent, $session, $state, $at);",
                ("$id", record.SnapshotId), ("$commit", record.CommitId), ("$reason", record.Reason), ("$agent", record.Agent),
                ("$session", record.SessionId), ("$state", state), ("$at", ToMicros(record.CreatedAt)));
            return cmd.ExecuteNonQuery();
        });
    }

    public SnapshotRecord? GetSnapshot(string snapshotId)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.SnapshotColumns}, session_state FROM git_snapshots WHERE snapshot_id = $id;", ("$id", snapshotId));
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
