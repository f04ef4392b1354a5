using System.Buffers;
using System.Text;
using Fastband.Core.Sessions;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

public sealed partial class SqliteStore
{
    /// <summary>
    /// The session store with SQLite's own handling of large conversations (measured; docs/benchmarks.md): a large
    /// save checkpoints the WAL apart from its commit, and a read streams the conversation through incremental blob
    /// I/O. Everything else is the shared <see cref="SessionStore"/>.
    /// </summary>
    private sealed class SqliteSessions : SessionStore
    {
        /// <summary>Conversations from this size on are checkpointed after the writer gate is released (see Save).</summary>
        private const int CheckpointApartBytes = 1024 * 1024;

        /// <summary>SQLite's default, which the store keeps.</summary>
        private const int AutoCheckpointPages = 1000;

        private readonly SqliteStore _store;

        public SqliteSessions(SqliteStore store) : base(store) => _store = store;

        private protected override SessionSummary Save(SessionState state, byte[] conversation, long size)
        {
            if (conversation.Length < CheckpointApartBytes) return base.Save(state, conversation, size);
            lock (_store.Gate)
            {
                // A large save fills the WAL past the automatic checkpoint's threshold, so its commit would copy the bytes
                // into the database while this process still holds the writer gate. The same checkpoint runs here instead,
                // right after the gate is released: the saver waits for it as before, other writers do not.
                _store.Execute("PRAGMA wal_autocheckpoint = 0;");
                SessionSummary summary;
                try
                {
                    summary = base.Save(state, conversation, size);
                }
                finally
                {
                    _store.Execute($"PRAGMA wal_autocheckpoint = {AutoCheckpointPages};");
                }
                _store.Execute("PRAGMA wal_checkpoint(PASSIVE);");
                return summary;
            }
        }

        /// <summary>
        /// The row's small columns and the conversation's length first (length() of a BLOB does not read it), then the
        /// conversation through incremental blob I/O straight into one pooled buffer, decoded once. Both in one read
        /// snapshot, so a save that commits in between cannot mix two states.
        /// </summary>
        public override SessionState? GetSession(string sessionId) => _store.InReadSnapshot(() =>
        {
            using var cmd = _store.Command($"SELECT {StoreRows.SessionColumns}, rowid, length(conversation) FROM sessions WHERE session_id = @id;", ("id", sessionId));
            using var r = cmd.ExecuteReader();
            return r.Read() ? StoreRows.Session(r, ReadConversation(r.GetInt64(8), r.GetInt64(9))) : null;
        });

        private string ReadConversation(long rowid, long length)
        {
            if (length > int.MaxValue) throw new StoreException($"A saved conversation of {length:N0} bytes is larger than this Fastband can read.");
            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                using (var blob = new SqliteBlob(_store._connection, "sessions", "conversation", rowid, readOnly: true))
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
    }
}
