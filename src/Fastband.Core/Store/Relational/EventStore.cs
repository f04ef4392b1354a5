using System.Data.Common;
using Fastband.Core.Events;

namespace Fastband.Core.Store;

/// <summary>
/// The interaction event log and the agents' cursors into it. Appends hold the writer lock (BEGIN IMMEDIATE on
/// SQLite, the advisory lock on PostgreSQL), so interactions, occurrences and timestamps are resolved against
/// everything committed before, and ids come in commit order; an append that stored anything notifies
/// <see cref="StoreTopics.Events"/>, delivered at its commit.
/// </summary>
internal sealed class EventStore : IEventStore
{
    private readonly RelationalStore _db;

    public EventStore(RelationalStore db) => _db = db;

    public IReadOnlyList<InteractionEvent?> Append(IReadOnlyList<NewEvent> events, TimeSpan lockWait)
    {
        if (events.Count == 0) return Array.Empty<InteractionEvent?>();
        return _db.InWriteTransaction(() =>
        {
            var result = new InteractionEvent?[events.Count];
            // One command for the whole batch, its values set per event: SQLite keeps the statement prepared.
            using var insert = _db.Command(
                "INSERT INTO events (interaction, actor, type, content, ts_us, fingerprint, occurrence, uid) " +
                "VALUES (@i, @actor, @type, @content, @ts, @fp, @occ, @uid) ON CONFLICT DO NOTHING RETURNING id;",
                ("i", 0L), ("actor", ""), ("type", ""), ("content", ""), ("ts", 0L), ("fp", ""), ("occ", 0), ("uid", null));
            long newestUs = -1;
            bool stored = false;
            for (int n = 0; n < events.Count; n++)
            {
                var e = events[n];
                if (e.Uid is not null && _db.Scalar<long>("SELECT COUNT(*) FROM events WHERE uid = @uid;", ("uid", e.Uid)) > 0) continue;
                long interaction = e.Choice switch
                {
                    InteractionChoice.Number => e.Interaction,
                    InteractionChoice.New => MaxInteraction() + 1,
                    _ => Math.Max(1, MaxInteraction()),
                };
                long us;
                if (e.Timestamp is { } given) us = RelationalStore.ToMicros(given);
                else
                {
                    // Native events never go back in time as ids go up, even if the clock is stepped back.
                    if (newestUs < 0) newestUs = _db.Scalar<long>("SELECT COALESCE((SELECT ts_us FROM events ORDER BY id DESC LIMIT 1), 0);");
                    us = Math.Max(RelationalStore.ToMicros(_db.Clock.GetUtcNow()), newestUs);
                }
                newestUs = Math.Max(newestUs, us);
                var at = RelationalStore.FromMicros(us);
                string fp = EventFingerprint.Of(interaction, e.Actor, e.Type, e.Content, at);
                int occurrence = e.Occurrence ?? _db.Scalar<int>("SELECT COALESCE(MAX(occurrence), 0) + 1 FROM events WHERE fingerprint = @fp;", ("fp", fp));
                Set(insert, "i", interaction);
                Set(insert, "actor", e.Actor);
                Set(insert, "type", e.Type);
                Set(insert, "content", e.Content);
                Set(insert, "ts", us);
                Set(insert, "fp", fp);
                Set(insert, "occ", occurrence);
                Set(insert, "uid", e.Uid);
                if (insert.ExecuteScalar() is not long id) continue; // already stored
                stored = true;
                result[n] = new InteractionEvent { Id = id, Interaction = interaction, Actor = e.Actor, Type = e.Type, Content = e.Content, Timestamp = at };
            }
            if (stored) _db.Notify(StoreTopics.Events);
            return (IReadOnlyList<InteractionEvent?>)result;
        }, lockWait);
    }

    private void Set(DbCommand cmd, string name, object? value) => cmd.Parameters[_db.ParameterName(name)].Value = value ?? DBNull.Value;

    private long MaxInteraction() => _db.Scalar<long>("SELECT COALESCE(MAX(interaction), 0) FROM events;");

    public IReadOnlyList<InteractionEvent> Read(EventQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Interaction is { } i) { where.Add("interaction = @i"); parameters.Add(("i", i)); }
        if (query.Actor is { } actor) { where.Add(_db.Dialect.EqualsIgnoreCase("actor", "@actor")); parameters.Add(("actor", actor)); }
        if (query.AfterId is { } after) { where.Add("id > @after"); parameters.Add(("after", after)); }
        if (query.Since is { } since) { where.Add("ts_us >= @since"); parameters.Add(("since", RelationalStore.ToMicros(since))); }
        if (query.Types is { Count: > 0 } types) where.Add(_db.Dialect.In("type", "type", types, parameters));
        string filter = where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
        string columns = StoreRows.EventColumns;
        // The newest N, handed back oldest first; without a limit, simply in id order.
        string sql = query.First > 0
            ? $"SELECT {columns} FROM events{filter} ORDER BY id LIMIT {query.First};"
            : query.Limit > 0
            ? $"SELECT {columns} FROM (SELECT {columns} FROM events{filter} ORDER BY id DESC LIMIT {query.Limit}) newest ORDER BY id;"
            : $"SELECT {columns} FROM events{filter} ORDER BY id;";
        return _db.Read(() => _db.Rows(sql, StoreRows.Event, parameters.ToArray()));
    }

    public IReadOnlyList<InteractionEvent> ReadByInteraction() =>
        _db.Read(() => _db.Rows($"SELECT {StoreRows.EventColumns} FROM events ORDER BY interaction, id;", StoreRows.Event));

    public long LatestId() => _db.Read(() => _db.Scalar<long>("SELECT COALESCE(MAX(id), 0) FROM events;"));

    public long? Cursor(string agent) => _db.Read(() =>
    {
        using var cmd = _db.Command($"SELECT acked_id FROM event_cursors WHERE {_db.Dialect.EqualsIgnoreCase("agent", "@a")};", ("a", agent));
        return cmd.ExecuteScalar() is long id ? id : (long?)null;
    });

    public (long AckedId, long Interaction, long Pending) Ack(string agent, long upTo, DateTimeOffset now, TimeSpan lockWait)
    {
        return _db.InWriteTransaction(() =>
        {
            // Agent names are unique ignoring case; the first spelling stays.
            long acked = _db.Scalar<long>(
                "INSERT INTO event_cursors (agent, acked_id, updated_us) VALUES (@a, @id, @now) " +
                $"ON CONFLICT {_db.Dialect.UniqueIgnoringCase("agent")} DO UPDATE SET " +
                $"acked_id = {_db.Dialect.Greatest("event_cursors.acked_id", "excluded.acked_id")}, updated_us = excluded.updated_us " +
                "RETURNING acked_id;",
                ("a", agent), ("id", upTo), ("now", RelationalStore.ToMicros(now)));
            return (acked, InteractionOfUnlocked(acked) ?? 0, CountAfterUnlocked(acked));
        }, lockWait);
    }

    public long? InteractionOf(long id) => _db.Read(() => InteractionOfUnlocked(id));

    private long? InteractionOfUnlocked(long id)
    {
        using var cmd = _db.Command("SELECT interaction FROM events WHERE id = @id;", ("id", id));
        return cmd.ExecuteScalar() is long i ? i : null;
    }

    public long LastIdUpToInteraction(long interaction) =>
        _db.Read(() => _db.Scalar<long>("SELECT COALESCE(MAX(id), 0) FROM events WHERE interaction <= @i;", ("i", interaction)));

    public long CountAfter(long afterId) => _db.Read(() => CountAfterUnlocked(afterId));

    private long CountAfterUnlocked(long afterId) => _db.Scalar<long>("SELECT COUNT(*) FROM events WHERE id > @id;", ("id", afterId));
}
