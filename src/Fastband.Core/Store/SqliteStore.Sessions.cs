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

    /// <summary>Where conversations live: one immutable file per save, named in the session's row.</summary>
    private string SessionsDirectory => Path.Combine(Path.GetDirectoryName(DatabasePath)!, "sessions");

    /// <summary>
    /// The conversation (the large part, megabytes) goes to a new file of its own, fsynced, before the row that names it
    /// is written; the row's commit makes the save. Written once into SQLite, 10 MB would go to the WAL and again into
    /// the database at the checkpoint that follows, each with an fsync: the file is written once. A crash before the
    /// commit leaves an unnamed file, which a later save removes; the file a row replaced is removed after the commit.
    /// </summary>
    public SessionSummary SaveSession(SessionState state)
    {
        long size = SessionSize(state);
        string dir = SessionsDirectory;
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        string file = $"{Guid.NewGuid():N}.json";
        string path = Path.Combine(dir, file);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, options))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(state.ConversationHistory));
                stream.Flush(flushToDisk: true);
            }
            string? replaced = null;
            var summary = InWriteTransaction(() =>
            {
                using (var old = Command("SELECT conversation_file FROM sessions WHERE session_id = $id;", ("$id", state.SessionId)))
                    replaced = old.ExecuteScalar() as string;
                using var upsert = Command(
                    "INSERT INTO sessions (session_id, agent, conversation_file, agent_contexts, task_progress, current_task, message_count, size_bytes, created_us, updated_us) " +
                    "VALUES ($id, $agent, $file, $ctx, $progress, $task, $count, $size, $now, $now) " +
                    "ON CONFLICT (session_id) DO UPDATE SET agent = excluded.agent, conversation_file = excluded.conversation_file, " +
                    "agent_contexts = excluded.agent_contexts, task_progress = excluded.task_progress, current_task = excluded.current_task, " +
                    "message_count = excluded.message_count, size_bytes = excluded.size_bytes, updated_us = excluded.updated_us " +
                    "RETURNING created_us, updated_us;",
                    ("$id", state.SessionId), ("$agent", state.Agent), ("$file", file), ("$ctx", state.AgentContexts),
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
            if (replaced is not null) TryDeleteFile(Path.Combine(dir, replaced));
            RemoveUnnamedConversations(dir);
            return summary;
        }
        catch
        {
            TryDeleteFile(path);
            throw;
        }
    }

    /// <summary>Files no row names, left by a save that died before its commit; only old ones, so a save in progress is never touched.</summary>
    private void RemoveUnnamedConversations(string dir)
    {
        var cutoff = DateTime.UtcNow - TimeSpan.FromHours(1);
        var old = Directory.EnumerateFiles(dir, "*.json").Where(f => File.GetLastWriteTimeUtc(f) < cutoff).ToList();
        if (old.Count == 0) return;
        HashSet<string> named;
        lock (_gate)
        {
            using var cmd = Command("SELECT conversation_file FROM sessions;");
            using var r = cmd.ExecuteReader();
            named = new HashSet<string>(StringComparer.Ordinal);
            while (r.Read()) named.Add(r.GetString(0));
        }
        foreach (var f in old.Where(f => !named.Contains(Path.GetFileName(f)))) TryDeleteFile(f);
    }

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static long SessionSize(SessionState s) =>
        System.Text.Encoding.UTF8.GetByteCount(s.ConversationHistory)
        + (s.AgentContexts is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(s.AgentContexts))
        + (s.TaskProgress is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(s.TaskProgress));

    public SessionState? GetSession(string sessionId)
    {
        SessionState row;
        string file;
        lock (_gate)
        {
            using var cmd = Command(
                "SELECT session_id, agent, conversation_file, agent_contexts, task_progress, current_task, message_count, created_us, updated_us " +
                "FROM sessions WHERE session_id = $id;", ("$id", sessionId));
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return null;
            file = r.GetString(2);
            row = new SessionState
            {
                SessionId = r.GetString(0), Agent = NullableString(r, 1), AgentContexts = NullableString(r, 3), TaskProgress = NullableString(r, 4),
                CurrentTask = NullableString(r, 5), MessageCount = r.GetInt32(6), CreatedAt = FromMicros(r.GetInt64(7)), UpdatedAt = FromMicros(r.GetInt64(8)),
            };
        }
        string path = Path.Combine(SessionsDirectory, file);
        string conversation;
        try
        {
            conversation = File.ReadAllText(path, System.Text.Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // A save that replaced it committed between our read of the row and of the file: read again.
            var again = GetSessionRowFile(sessionId);
            if (again is null || again == file)
                throw new StoreException($"The conversation of session '{sessionId}' is missing ({path}): restore .fastband/sessions/ from a backup, or save the session again.", e);
            return GetSession(sessionId);
        }
        return new SessionState
        {
            SessionId = row.SessionId, Agent = row.Agent, ConversationHistory = conversation, AgentContexts = row.AgentContexts, TaskProgress = row.TaskProgress,
            CurrentTask = row.CurrentTask, MessageCount = row.MessageCount, CreatedAt = row.CreatedAt, UpdatedAt = row.UpdatedAt,
        };
    }

    private string? GetSessionRowFile(string sessionId)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT conversation_file FROM sessions WHERE session_id = $id;", ("$id", sessionId));
            return cmd.ExecuteScalar() as string;
        }
    }

    public IReadOnlyList<SessionSummary> ListSessions()
    {
        lock (_gate)
        {
            using var cmd = Command(
                "SELECT session_id, agent, current_task, message_count, size_bytes, created_us, updated_us FROM sessions ORDER BY updated_us DESC, session_id;");
            using var r = cmd.ExecuteReader();
            var list = new List<SessionSummary>();
            while (r.Read())
            {
                list.Add(new SessionSummary
                {
                    SessionId = r.GetString(0), Agent = NullableString(r, 1), CurrentTask = NullableString(r, 2), MessageCount = r.GetInt32(3),
                    SizeBytes = r.GetInt64(4), CreatedAt = FromMicros(r.GetInt64(5)), UpdatedAt = FromMicros(r.GetInt64(6)),
                });
            }
            return list;
        }
    }

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static string? StateJson(SessionState? state) => state is null ? null : JsonSerializer.Serialize(state, FastbandJson.Compact);

    private static SessionState? StateFrom(SqliteDataReader r, int i) =>
        r.IsDBNull(i) ? null : JsonSerializer.Deserialize<SessionState>(r.GetString(i), FastbandJson.Compact);

    // ---------------------------------------------------------------- checkpoints and snapshots

    public void SaveCheckpoint(CheckpointRecord record)
    {
        string? state = StateJson(record.SessionState);
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
            using var cmd = Command("SELECT name, commit_id, description, agent, session_id, created_us, session_state FROM git_checkpoints WHERE name = $name;", ("$name", name));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadCheckpoint(r, StateFrom(r, 6)) : null;
        }
    }

    public IReadOnlyList<(CheckpointRecord Record, bool HasState)> ListCheckpoints()
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT name, commit_id, description, agent, session_id, created_us, session_state IS NOT NULL FROM git_checkpoints ORDER BY created_us DESC;");
            using var r = cmd.ExecuteReader();
            var list = new List<(CheckpointRecord, bool)>();
            while (r.Read()) list.Add((ReadCheckpoint(r, null), r.GetBoolean(6)));
            return list;
        }
    }

    private static CheckpointRecord ReadCheckpoint(SqliteDataReader r, SessionState? state) =>
        new(r.GetString(0), r.GetString(1), NullableString(r, 2), r.GetString(3), NullableString(r, 4), state, FromMicros(r.GetInt64(5)));

    public void SaveSnapshot(SnapshotRecord record)
    {
        string? state = StateJson(record.SessionState);
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
            using var cmd = Command("SELECT snapshot_id, commit_id, reason, agent, session_id, created_us, session_state FROM git_snapshots WHERE snapshot_id = $id;", ("$id", snapshotId));
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadSnapshot(r, StateFrom(r, 6)) : null;
        }
    }

    public IReadOnlyList<(SnapshotRecord Record, bool HasState)> ListSnapshots()
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT snapshot_id, commit_id, reason, agent, session_id, created_us, session_state IS NOT NULL FROM git_snapshots ORDER BY created_us DESC;");
            using var r = cmd.ExecuteReader();
            var list = new List<(SnapshotRecord, bool)>();
            while (r.Read()) list.Add((ReadSnapshot(r, null), r.GetBoolean(6)));
            return list;
        }
    }

    private static SnapshotRecord ReadSnapshot(SqliteDataReader r, SessionState? state) =>
        new(r.GetString(0), r.GetString(1), NullableString(r, 2), r.GetString(3), NullableString(r, 4), state, FromMicros(r.GetInt64(5)));
}
