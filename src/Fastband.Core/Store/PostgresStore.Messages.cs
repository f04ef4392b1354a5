using System.Text.Json;
using Fastband.Core.Board;
using Fastband.Core.Messaging;

namespace Fastband.Core.Store;

/// <summary>Messages and agent statuses on PostgreSQL: the SQL of SqliteStore.Messages.cs in PostgreSQL's dialect.</summary>
public sealed partial class PostgresStore : IMessageStore, IStatusStore
{
    public IMessageStore Messages => this;
    public IStatusStore Statuses => this;

    private const string MessageColumns = StoreRows.MessageColumns;

    private static string Limit(int limit) => limit > 0 ? $" LIMIT {limit}" : "";

    public Message Send(NewMessage message)
    {
        // One round trip under the writer lock (see Append): seq is the recipient's highest plus one, and the time
        // never goes back as seq goes up, both decided by the server inside the lock (see SqliteStore.Send).
        var (id, seq, sentUs) = InOneTrip(
            "INSERT INTO messages (recipient, seq, sender, kind, thread, body, sent_us) " +
            "SELECT @r, COALESCE(MAX(seq), 0) + 1, @sender, @kind, @thread, @body, GREATEST(@sent, COALESCE(MAX(sent_us), 0)) " +
            "FROM messages WHERE lower(recipient) = lower(@r) RETURNING id, seq, sent_us;",
            new (string, object?)[]
            {
                ("r", message.Recipient), ("sender", message.Sender), ("kind", message.Kind),
                ("thread", message.Thread), ("body", message.Body), ("sent", ToMicros(_clock.GetUtcNow())),
            },
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        return new Message
        {
            Id = id, Seq = seq, Recipient = message.Recipient, Sender = message.Sender, Kind = message.Kind,
            Thread = message.Thread, Body = message.Body, SentAt = FromMicros(sentUs),
        };
    }

    private List<Message> Unread(string recipient, int limit)
    {
        using var cmd = Command(
            $"SELECT {MessageColumns} FROM messages WHERE lower(recipient) = lower(@r) AND acked_us IS NULL ORDER BY seq{Limit(limit)};",
            ("r", recipient));
        return StoreRows.Messages(cmd);
    }

    public IReadOnlyList<Message> ReadUnread(string recipient, int limit)
    {
        lock (_gate) return Unread(recipient, limit);
    }

    public IReadOnlyList<Message> TakeUnread(string recipient, int limit, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            var unread = Unread(recipient, limit);
            if (unread.Count == 0) return (IReadOnlyList<Message>)unread;
            long us = ToMicros(now);
            Execute("UPDATE messages SET acked_us = @now WHERE lower(recipient) = lower(@r) AND acked_us IS NULL AND seq <= @last;",
                ("now", us), ("r", recipient), ("last", unread[^1].Seq));
            return unread.Select(m => StoreRows.WithAck(m, FromMicros(us))).ToArray();
        });
    }

    public IReadOnlyList<Message> ReadAll(string recipient, int limit)
    {
        lock (_gate)
        {
            using var cmd = Command(
                $"SELECT {MessageColumns} FROM (SELECT {MessageColumns} FROM messages WHERE lower(recipient) = lower(@r) ORDER BY seq DESC{Limit(limit)}) newest ORDER BY seq;",
                ("r", recipient));
            return StoreRows.Messages(cmd);
        }
    }

    public MessageAckResult Ack(string recipient, IReadOnlyCollection<long> ids, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            var found = new Dictionary<long, (string Recipient, bool Acked)>();
            using (var find = Command("SELECT id, recipient, acked_us IS NOT NULL FROM messages WHERE id = ANY(@ids);", ("ids", ids.Distinct().ToArray())))
            using (var r = find.ExecuteReader())
            {
                while (r.Read()) found[r.GetInt64(0)] = (r.GetString(1), r.GetBoolean(2));
            }
            var acknowledged = new List<long>();
            var already = new List<long>();
            var refused = new List<long>();
            foreach (long id in ids.Distinct())
            {
                if (!found.TryGetValue(id, out var m) || !string.Equals(m.Recipient, recipient, StringComparison.OrdinalIgnoreCase)) refused.Add(id);
                else if (!m.Acked) acknowledged.Add(id);
                else already.Add(id);
            }
            if (refused.Count > 0)
                return new MessageAckResult { Agent = recipient, Refused = refused, Cursor = CursorOf(recipient) };
            if (acknowledged.Count > 0)
                Execute("UPDATE messages SET acked_us = @now WHERE id = ANY(@ids) AND acked_us IS NULL;", ("now", ToMicros(now)), ("ids", acknowledged.ToArray()));
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

    private long CursorOf(string recipient) => Scalar<long>(
        "SELECT COALESCE((SELECT MIN(seq) - 1 FROM messages WHERE lower(recipient) = lower(@r) AND acked_us IS NULL), " +
        "(SELECT MAX(seq) FROM messages WHERE lower(recipient) = lower(@r)), 0);",
        ("r", recipient));

    // ---------------------------------------------------------------- agent status

    public AgentWorkStatus Set(string agent, string status, IReadOnlyList<string> files, string? ticketId, string? note, DateTimeOffset now, AgentTouch? touch = null)
    {
        string json = JsonSerializer.Serialize(files, FastbandJson.Compact);
        return InWriteTransaction(() =>
        {
            Execute(
                "INSERT INTO agent_status (agent, status, files, ticket_id, note, updated_us) VALUES (@agent, @status, @files, @ticket, @note, @now) " +
                "ON CONFLICT ((lower(agent))) DO UPDATE SET status = excluded.status, files = excluded.files, ticket_id = excluded.ticket_id, " +
                "note = excluded.note, updated_us = excluded.updated_us;",
                ("agent", agent), ("status", status), ("files", json), ("ticket", ticketId), ("note", note), ("now", ToMicros(now)));
            if (touch is not null) UpsertAgent(touch, now, registering: false);
            using var read = Command($"SELECT {StoreRows.StatusColumns} FROM agent_status WHERE lower(agent) = lower(@agent);", ("agent", agent));
            return StoreRows.Statuses(read).Single();
        });
    }

    IReadOnlyList<AgentWorkStatus> IStatusStore.List()
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.StatusColumns} FROM agent_status ORDER BY updated_us DESC, lower(agent) COLLATE \"C\";");
            return StoreRows.Statuses(cmd);
        }
    }
}
