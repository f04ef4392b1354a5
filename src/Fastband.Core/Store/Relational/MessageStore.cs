using System.Text.Json;
using Fastband.Core.Board;
using Fastband.Core.Messaging;

namespace Fastband.Core.Store;

/// <summary>Messages between agents, numbered 1, 2, 3, ... per recipient (names ignore case).</summary>
internal sealed class MessageStore(RelationalStore db) : IMessageStore
{
    private readonly RelationalStore _db = db;

    private string IsRecipient => _db.Dialect.EqualsIgnoreCase("recipient", "@r");

    /// <summary>
    /// One statement, sent in one trip under the writer lock (<see cref="RelationalStore.InOneTrip"/>): seq is the
    /// recipient's highest plus one and the time never goes back as seq goes up, both read from the recipient's
    /// newest message through the (recipient, seq) index inside the lock, so no other writer can take the same
    /// number. The aggregates over that one row (or none) always give one row to insert.
    /// </summary>
    public Message Send(NewMessage message)
    {
        var (id, seq, sentUs) = _db.InOneTrip(
            "INSERT INTO messages (recipient, seq, sender, kind, thread, body, sent_us) " +
            "SELECT CAST(@r AS TEXT), COALESCE(MAX(seq), 0) + 1, CAST(@sender AS TEXT), CAST(@kind AS TEXT), CAST(@thread AS TEXT), CAST(@body AS TEXT), " +
            $"{_db.Dialect.Greatest("CAST(@sent AS BIGINT)", "COALESCE(MAX(sent_us), 0)")} " +
            $"FROM (SELECT seq, sent_us FROM messages WHERE {IsRecipient} ORDER BY seq DESC LIMIT 1) newest " +
            "RETURNING id, seq, sent_us;",
            new (string, object?)[]
            {
                ("r", message.Recipient), ("sender", message.Sender), ("kind", message.Kind),
                ("thread", message.Thread), ("body", message.Body), ("sent", StoreRows.ToMicros(_db.Clock.GetUtcNow())),
            },
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        return new Message
        {
            Id = id, Seq = seq, Recipient = message.Recipient, Sender = message.Sender, Kind = message.Kind,
            Thread = message.Thread, Body = message.Body, SentAt = StoreRows.FromMicros(sentUs),
        };
    }

    private List<Message> Unread(string recipient, int limit)
    {
        using var cmd = _db.Command(
            $"SELECT {StoreRows.MessageColumns} FROM messages WHERE {IsRecipient} AND acked_us IS NULL ORDER BY seq{_db.Dialect.Limit(limit)};",
            ("r", recipient));
        return StoreRows.Messages(cmd);
    }

    public IReadOnlyList<Message> ReadUnread(string recipient, int limit) => _db.Read(() => Unread(recipient, limit));

    public IReadOnlyList<Message> TakeUnread(string recipient, int limit, DateTimeOffset now) => _db.InWriteTransaction(() =>
    {
        var unread = Unread(recipient, limit);
        if (unread.Count == 0) return (IReadOnlyList<Message>)unread;
        // Every unread message up to the last one taken was taken: the selection is the oldest ones.
        long us = StoreRows.ToMicros(now);
        _db.Execute($"UPDATE messages SET acked_us = @now WHERE {IsRecipient} AND acked_us IS NULL AND seq <= @last;",
            ("now", us), ("r", recipient), ("last", unread[^1].Seq));
        return unread.Select(m => StoreRows.WithAck(m, StoreRows.FromMicros(us))).ToArray();
    });

    public IReadOnlyList<Message> ReadAll(string recipient, int limit) => _db.Read(() =>
    {
        string columns = StoreRows.MessageColumns;
        using var cmd = _db.Command(
            $"SELECT {columns} FROM (SELECT {columns} FROM messages WHERE {IsRecipient} ORDER BY seq DESC{_db.Dialect.Limit(limit)}) newest ORDER BY seq;",
            ("r", recipient));
        return StoreRows.Messages(cmd);
    });

    public MessageAckResult Ack(string recipient, IReadOnlyCollection<long> ids, DateTimeOffset now) => _db.InWriteTransaction(() =>
    {
        var distinct = ids.Distinct().ToArray();
        var find = new List<(string, object?)>();
        var found = _db.Rows($"SELECT id, recipient, acked_us FROM messages WHERE {_db.Dialect.In("id", "id", distinct, find)};",
                r => (Id: r.GetInt64(0), Recipient: r.GetString(1), Acked: !r.IsDBNull(2)), find.ToArray())
            .ToDictionary(m => m.Id);
        var acknowledged = new List<long>();
        var already = new List<long>();
        var refused = new List<long>();
        foreach (long id in distinct)
        {
            if (!found.TryGetValue(id, out var m) || !string.Equals(m.Recipient, recipient, StringComparison.OrdinalIgnoreCase)) refused.Add(id);
            else if (!m.Acked) acknowledged.Add(id);
            else already.Add(id);
        }
        if (refused.Count > 0)
            return new MessageAckResult { Agent = recipient, Refused = refused, Cursor = CursorOf(recipient) };
        if (acknowledged.Count > 0)
        {
            var update = new List<(string, object?)> { ("now", StoreRows.ToMicros(now)) };
            _db.Execute($"UPDATE messages SET acked_us = @now WHERE {_db.Dialect.In("id", "id", acknowledged, update)} AND acked_us IS NULL;", update.ToArray());
        }
        return new MessageAckResult
        {
            Agent = recipient, Acknowledged = acknowledged, AlreadyAcknowledged = already, Cursor = CursorOf(recipient),
        };
    });

    public long Cursor(string recipient) => _db.Read(() => CursorOf(recipient));

    /// <summary>One below the oldest unacknowledged seq; with none unacknowledged, the highest seq (0 for no messages).</summary>
    private long CursorOf(string recipient) => _db.Scalar<long>(
        $"SELECT COALESCE((SELECT MIN(seq) - 1 FROM messages WHERE {IsRecipient} AND acked_us IS NULL), " +
        $"(SELECT MAX(seq) FROM messages WHERE {IsRecipient}), 0);",
        ("r", recipient));
}

/// <summary>What each agent says it is doing, one row per agent (names ignore case).</summary>
internal sealed class StatusStore(RelationalStore db) : IStatusStore
{
    private readonly RelationalStore _db = db;

    public AgentWorkStatus Set(string agent, string status, IReadOnlyList<string> files, string? ticketId, string? note, DateTimeOffset now, AgentTouch? touch = null)
    {
        string json = FastbandJson.Serialize(files, indented: false);
        return _db.InWriteTransaction(() =>
        {
            _db.Execute(
                "INSERT INTO agent_status (agent, status, files, ticket_id, note, updated_us) VALUES (@agent, @status, @files, @ticket, @note, @now) " +
                $"ON CONFLICT {_db.Dialect.UniqueIgnoringCase("agent")} DO UPDATE SET status = excluded.status, files = excluded.files, " +
                "ticket_id = excluded.ticket_id, note = excluded.note, updated_us = excluded.updated_us;",
                ("agent", agent), ("status", status), ("files", json), ("ticket", ticketId), ("note", note), ("now", StoreRows.ToMicros(now)));
            if (touch is not null) _db.AgentRecords.Upsert(touch, now, registering: false);
            using var read = _db.Command(
                $"SELECT {StoreRows.StatusColumns} FROM agent_status WHERE {_db.Dialect.EqualsIgnoreCase("agent", "@agent")};", ("agent", agent));
            return StoreRows.Statuses(read).Single();
        });
    }

    public IReadOnlyList<AgentWorkStatus> List() => _db.Read(() =>
    {
        using var cmd = _db.Command($"SELECT {StoreRows.StatusColumns} FROM agent_status ORDER BY updated_us DESC, {_db.Dialect.NameOrder("agent")};");
        return StoreRows.Statuses(cmd);
    });
}
