using Fastband.Core.Events;
using Npgsql;

namespace Fastband.Core.Store;

/// <summary>
/// The interaction event log and the agents' cursors on PostgreSQL: the SQL of SqliteStore.Events.cs in
/// PostgreSQL's dialect. Appends hold the writer lock (BEGIN IMMEDIATE's counterpart), so interactions,
/// occurrences and timestamps are resolved against everything committed before, and ids come in commit order;
/// an append that stored anything notifies <see cref="StoreTopics.Events"/>, delivered at its commit.
/// </summary>
public sealed partial class PostgresStore : IEventStore
{
    public IEventStore Events => this;

    private const string EventColumns = "id, interaction, actor, type, content, ts_us";

    public IReadOnlyList<InteractionEvent?> Append(IReadOnlyList<NewEvent> events, TimeSpan lockWait)
    {
        if (events.Count == 0) return Array.Empty<InteractionEvent?>();
        return InWriteTransaction(() =>
        {
            var result = new InteractionEvent?[events.Count];
            long newestUs = -1;
            bool stored = false;
            for (int n = 0; n < events.Count; n++)
            {
                var e = events[n];
                if (e.Uid is not null && Scalar<int>("SELECT COUNT(*) FROM events WHERE uid = @uid;", ("uid", e.Uid)) > 0) continue;
                long interaction = e.Choice switch
                {
                    InteractionChoice.Number => e.Interaction,
                    InteractionChoice.New => MaxInteraction() + 1,
                    _ => Math.Max(1, MaxInteraction()),
                };
                long us;
                if (e.Timestamp is { } given) us = ToMicros(given);
                else
                {
                    // Native events never go back in time as ids go up, even if the clock is stepped back.
                    if (newestUs < 0) newestUs = Scalar<long>("SELECT COALESCE((SELECT ts_us FROM events ORDER BY id DESC LIMIT 1), 0);");
                    us = Math.Max(ToMicros(_clock.GetUtcNow()), newestUs);
                }
                newestUs = Math.Max(newestUs, us);
                var at = FromMicros(us);
                string fp = EventFingerprint.Of(interaction, e.Actor, e.Type, e.Content, at);
                int occurrence = e.Occurrence ?? Scalar<int>("SELECT COALESCE(MAX(occurrence), 0) + 1 FROM events WHERE fingerprint = @fp;", ("fp", fp));
                using var insert = Command(
                    "INSERT INTO events (interaction, actor, type, content, ts_us, fingerprint, occurrence, uid) " +
                    "VALUES (@i, @actor, @type, @content, @ts, @fp, @occ, @uid) ON CONFLICT DO NOTHING RETURNING id;",
                    ("i", interaction), ("actor", e.Actor), ("type", e.Type), ("content", e.Content), ("ts", us), ("fp", fp),
                    ("occ", occurrence), ("uid", e.Uid));
                if (insert.ExecuteScalar() is not long id) continue; // already stored
                stored = true;
                result[n] = new InteractionEvent { Id = id, Interaction = interaction, Actor = e.Actor, Type = e.Type, Content = e.Content, Timestamp = at };
            }
            if (stored) Notify(StoreTopics.Events);
            return (IReadOnlyList<InteractionEvent?>)result;
        }, lockWait);
    }

    private long MaxInteraction() => Scalar<long>("SELECT COALESCE(MAX(interaction), 0) FROM events;");

    public IReadOnlyList<InteractionEvent> Read(EventQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Interaction is { } i) { where.Add("interaction = @i"); parameters.Add(("i", i)); }
        if (query.Actor is { } actor) { where.Add("lower(actor) = lower(@actor)"); parameters.Add(("actor", actor)); }
        if (query.AfterId is { } after) { where.Add("id > @after"); parameters.Add(("after", after)); }
        if (query.Since is { } since) { where.Add("ts_us >= @since"); parameters.Add(("since", ToMicros(since))); }
        if (query.Types is { Count: > 0 } types) { where.Add("type = ANY(@types)"); parameters.Add(("types", types.ToArray())); }
        string filter = where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "";
        // The newest N, handed back oldest first; without a limit, simply in id order.
        string sql = query.First > 0
            ? $"SELECT {EventColumns} FROM events{filter} ORDER BY id LIMIT {query.First};"
            : query.Limit > 0
            ? $"SELECT {EventColumns} FROM (SELECT {EventColumns} FROM events{filter} ORDER BY id DESC LIMIT {query.Limit}) newest ORDER BY id;"
            : $"SELECT {EventColumns} FROM events{filter} ORDER BY id;";
        lock (_gate)
        {
            using var cmd = Command(sql, parameters.ToArray());
            return ReadEvents(cmd);
        }
    }

    public IReadOnlyList<InteractionEvent> ReadByInteraction()
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {EventColumns} FROM events ORDER BY interaction, id;");
            return ReadEvents(cmd);
        }
    }

    long IEventStore.LatestId()
    {
        lock (_gate) return Scalar<long>("SELECT COALESCE(MAX(id), 0) FROM events;");
    }

    long? IEventStore.Cursor(string agent)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT acked_id FROM event_cursors WHERE lower(agent) = lower(@a);", ("a", agent));
            return cmd.ExecuteScalar() is long id ? id : null;
        }
    }

    public (long AckedId, long Interaction, long Pending) Ack(string agent, long upTo, DateTimeOffset now, TimeSpan lockWait)
    {
        return InWriteTransaction(() =>
        {
            long acked = Scalar<long>(
                "INSERT INTO event_cursors (agent, acked_id, updated_us) VALUES (@a, @id, @now) " +
                "ON CONFLICT ((lower(agent))) DO UPDATE SET acked_id = GREATEST(event_cursors.acked_id, excluded.acked_id), updated_us = excluded.updated_us " +
                "RETURNING acked_id;",
                ("a", agent), ("id", upTo), ("now", ToMicros(now)));
            return (acked, InteractionOfUnlocked(acked) ?? 0, CountAfterUnlocked(acked));
        }, lockWait);
    }

    public long? InteractionOf(long id)
    {
        lock (_gate) return InteractionOfUnlocked(id);
    }

    private long? InteractionOfUnlocked(long id)
    {
        using var cmd = Command("SELECT interaction FROM events WHERE id = @id;", ("id", id));
        return cmd.ExecuteScalar() is long i ? i : null;
    }

    public long LastIdUpToInteraction(long interaction)
    {
        lock (_gate) return Scalar<long>("SELECT COALESCE(MAX(id), 0) FROM events WHERE interaction <= @i;", ("i", interaction));
    }

    public long CountAfter(long afterId)
    {
        lock (_gate) return CountAfterUnlocked(afterId);
    }

    private long CountAfterUnlocked(long afterId) => Scalar<long>("SELECT COUNT(*) FROM events WHERE id > @id;", ("id", afterId));

    private static List<InteractionEvent> ReadEvents(NpgsqlCommand cmd) => Rows(cmd, r => new InteractionEvent
    {
        Id = r.GetInt64(0),
        Interaction = r.GetInt64(1),
        Actor = r.GetString(2),
        Type = r.GetString(3),
        Content = r.GetString(4),
        Timestamp = FromMicros(r.GetInt64(5)),
    });
}
