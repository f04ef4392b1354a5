using System.Text.Json;
using Fastband.Core.Board;
using Fastband.Core.Messaging;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

/// <summary>Messages between agents and the agents' statuses for the board.</summary>
public sealed partial class SqliteStore : IMessageStore, IStatusStore
{
    public IMessageStore Messages => this;
    public IStatusStore Statuses => this;

    // ---------------------------------------------------------------- messages

    private const string MessageColumns = StoreRows.MessageColumns;

    public Message Send(NewMessage message)
    {
        return InWriteTransaction(() =>
        {
            // Inside BEGIN IMMEDIATE no other writer can take the same number: seq is max + 1 per recipient,
            // read through the (recipient, seq) unique index, and the time never goes back as seq goes up.
            long lastSeq = 0, lastSentUs = 0;
            using (var last = Command("SELECT seq, sent_us FROM messages WHERE recipient = $r ORDER BY seq DESC LIMIT 1;", ("$r", message.Recipient)))
            using (var r = last.ExecuteReader())
            {
                if (r.Read()) { lastSeq = r.GetInt64(0); lastSentUs = r.GetInt64(1); }
            }
            long sentUs = Math.Max(ToMicros(_clock.GetUtcNow()), lastSentUs);
            long seq = lastSeq + 1;
            using var insert = Command(
                "INSERT INTO messages (recipient, seq, sender, kind, thread, body, sent_us) " +
                "VALUES ($r, $seq, $sender, $kind, $thread, $body, $sent) RETURNING id;",
                ("$r", message.Recipient), ("$seq", seq), ("$sender", message.Sender), ("$kind", message.Kind),
                ("$thread", message.Thread), ("$body", message.Body), ("$sent", sentUs));
            long id = (long)insert.ExecuteScalar()!;
            return new Message
            {
                Id = id, Seq = seq, Recipient = message.Recipient, Sender = message.Sender, Kind = message.Kind,
                Thread = message.Thread, Body = message.Body, SentAt = FromMicros(sentUs),
            };
        });
    }

    public IReadOnlyList<Message> ReadUnread(string recipient, int limit)
    {
        lock (_gate)
        {
            using var cmd = Command(
                $"SELECT {MessageColumns} FROM messages WHERE recipient = $r AND acked_us IS NULL ORDER BY seq LIMIT $n;",
                ("$r", recipient), ("$n", limit > 0 ? limit : -1));
            return StoreRows.Messages(cmd);
        }
    }

    public IReadOnlyList<Message> TakeUnread(string recipient, int limit, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            List<Message> unread;
            using (var select = Command(
                       $"SELECT {MessageColumns} FROM messages WHERE recipient = $r AND acked_us IS NULL ORDER BY seq LIMIT $n;",
                       ("$r", recipient), ("$n", limit > 0 ? limit : -1)))
            {
                unread = StoreRows.Messages(select);
            }
            if (unread.Count == 0) return (IReadOnlyList<Message>)unread;
            // Every unread message up to the last one taken was taken: the selection is the oldest ones.
            long us = ToMicros(now);
            using var update = Command(
                "UPDATE messages SET acked_us = $now WHERE recipient = $r AND acked_us IS NULL AND seq <= $last;",
                ("$now", us), ("$r", recipient), ("$last", unread[^1].Seq));
            update.ExecuteNonQuery();
            return unread.Select(m => StoreRows.WithAck(m, FromMicros(us))).ToArray();
        });
    }

    public IReadOnlyList<Message> ReadAll(string recipient, int limit)
    {
        lock (_gate)
        {
            using var cmd = Command(
                $"SELECT {MessageColumns} FROM (SELECT {MessageColumns} FROM messages WHERE recipient = $r ORDER BY seq DESC LIMIT $n) ORDER BY seq;",
                ("$r", recipient), ("$n", limit > 0 ? limit : -1));
            return StoreRows.Messages(cmd);
        }
    }

    public MessageAckResult Ack(string recipient, IReadOnlyCollection<long> ids, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            var acknowledged = new List<long>();
            var already = new List<long>();
            var refused = new List<long>();
            foreach (long id in ids.Distinct())
            {
                using var find = Command("SELECT recipient, acked_us FROM messages WHERE id = $id;", ("$id", id));
                using var r = find.ExecuteReader();
                if (!r.Read() || !string.Equals(r.GetString(0), recipient, StringComparison.OrdinalIgnoreCase)) refused.Add(id);
                else if (r.IsDBNull(1)) acknowledged.Add(id);
                else already.Add(id);
            }
            if (refused.Count > 0)
                return new MessageAckResult { Agent = recipient, Refused = refused, Cursor = CursorOf(recipient) };
            foreach (long id in acknowledged)
            {
                using var update = Command("UPDATE messages SET acked_us = $now WHERE id = $id AND acked_us IS NULL;",
                    ("$now", ToMicros(now)), ("$id", id));
                update.ExecuteNonQuery();
            }
            return new MessageAckResult
            {
                Agent = recipient, Acknowledged = acknowledged, AlreadyAcknowledged = already, Cursor = CursorOf(recipient),
            };
        });
    }

    public long Cursor(string recipient)
    {
        lock (_gate) return CursorOf(recipient);
    }

    /// <summary>One below the oldest unacknowledged seq; with none unacknowledged, the highest seq (0 for no messages).</summary>
    private long CursorOf(string recipient)
    {
        using var cmd = Command(
            "SELECT COALESCE((SELECT MIN(seq) - 1 FROM messages WHERE recipient = $r AND acked_us IS NULL), " +
            "(SELECT MAX(seq) FROM messages WHERE recipient = $r), 0);",
            ("$r", recipient));
        return (long)cmd.ExecuteScalar()!;
    }

    // ---------------------------------------------------------------- agent status

    private const string StatusColumns = StoreRows.StatusColumns;

    public AgentWorkStatus Set(string agent, string status, IReadOnlyList<string> files, string? ticketId, string? note, DateTimeOffset now, AgentTouch? touch = null)
    {
        string json = JsonSerializer.Serialize(files, FastbandJson.Compact);
        return InWriteTransaction(() =>
        {
            using var upsert = Command(
                "INSERT INTO agent_status (agent, status, files, ticket_id, note, updated_us) VALUES ($agent, $status, $files, $ticket, $note, $now) " +
                "ON CONFLICT (agent) DO UPDATE SET status = excluded.status, files = excluded.files, ticket_id = excluded.ticket_id, " +
                "note = excluded.note, updated_us = excluded.updated_us;",
                ("$agent", agent), ("$status", status), ("$files", json), ("$ticket", ticketId), ("$note", note), ("$now", ToMicros(now)));
            upsert.ExecuteNonQuery();
            if (touch is not null) UpsertAgent(touch, now, registering: false);
            using var read = Command($"SELECT {StatusColumns} FROM agent_status WHERE agent = $agent;", ("$agent", agent));
            return StoreRows.Statuses(read).Single();
        });
    }

    IReadOnlyList<AgentWorkStatus> IStatusStore.List()
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StatusColumns} FROM agent_status ORDER BY updated_us DESC, agent;");
            return StoreRows.Statuses(cmd);
        }
    }
}
