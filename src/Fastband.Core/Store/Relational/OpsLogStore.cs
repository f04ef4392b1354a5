using System.Text.Json;
using Fastband.Core.OpsLog;

namespace Fastband.Core.Store;

/// <summary>The ops log table. An append also records the writer's presence, in the same transaction.</summary>
internal class OpsLogStore : IOpsLogStore
{
    private protected readonly RelationalStore Db;
    private protected readonly AgentStore Agents;

    public OpsLogStore(RelationalStore db, AgentStore agents)
    {
        Db = db;
        Agents = agents;
    }

    private protected static string MetadataJson(NewOpsLogEntry entry) =>
        entry.Metadata.Count == 0 ? "{}" : FastbandJson.Serialize(entry.Metadata, indented: false);

    private protected static OpsLogEntry Entry(NewOpsLogEntry entry, long id, long tsUs) => new()
    {
        Id = id, Timestamp = RelationalStore.FromMicros(tsUs), Agent = entry.Agent, EventType = entry.EventType,
        Message = entry.Message, TicketId = entry.TicketId, Metadata = entry.Metadata,
        Host = entry.Host, ProcessId = entry.ProcessId,
    };

    /// <summary>
    /// The newest entry's time or the clock's, whichever is later: timestamps never go backwards as ids go up, even
    /// if the clock is stepped back, so reads by time and by id agree and a time range is served from the timestamp
    /// index in id order. Taken inside the writer lock.
    /// </summary>
    private protected string NotBeforeNewest(string clock) =>
        Db.Dialect.Greatest(clock, "COALESCE((SELECT ts_us FROM ops_log ORDER BY id DESC LIMIT 1), 0)");

    public virtual OpsLogEntry Append(NewOpsLogEntry entry, AgentTouch? touch)
    {
        string metadata = MetadataJson(entry);
        return Db.InWriteTransaction(() =>
        {
            var (id, tsUs) = Db.Rows(
                "INSERT INTO ops_log (ts_us, agent, event_type, message, ticket_id, metadata, host, pid) " +
                $"VALUES ({NotBeforeNewest("@ts")}, @agent, @type, @message, @ticket, @metadata, @host, @pid) RETURNING id, ts_us;",
                r => (r.GetInt64(0), r.GetInt64(1)),
                ("ts", RelationalStore.ToMicros(Db.Clock.GetUtcNow())), ("agent", entry.Agent), ("type", entry.EventType),
                ("message", entry.Message), ("ticket", entry.TicketId), ("metadata", metadata),
                ("host", entry.Host), ("pid", entry.ProcessId))[0];
            if (touch is not null) Agents.Upsert(touch, RelationalStore.FromMicros(tsUs), registering: false);
            return Entry(entry, id, tsUs);
        });
    }

    public IReadOnlyList<OpsLogEntry> Query(OpsLogQuery query)
    {
        var (sql, parameters) = BuildQuery(query);
        return Db.Read(() =>
        {
            using var cmd = Db.Command(sql, parameters);
            return StoreRows.Entries(cmd);
        });
    }

    internal (string Sql, (string, object?)[] Parameters) BuildQuery(OpsLogQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Since is { } since) { where.Add("ts_us >= @since"); parameters.Add(("since", RelationalStore.ToMicros(since))); }
        if (query.Until is { } until) { where.Add("ts_us <= @until"); parameters.Add(("until", RelationalStore.ToMicros(until))); }
        if (query.Agent is { } agent) { where.Add(Db.Dialect.EqualsIgnoreCase("agent", "@agent")); parameters.Add(("agent", agent)); }
        if (query.TicketId is { } ticket) { where.Add("ticket_id = @ticket"); parameters.Add(("ticket", ticket)); }
        if (query.AfterId is { } after) { where.Add("id > @after"); parameters.Add(("after", after)); }
        if (query.EventTypes is { Count: > 0 } types) where.Add(Db.Dialect.In("event_type", "type", types, parameters));
        // Timestamps follow ids (see NotBeforeNewest), so both orders below are the same order. A cursor
        // is an id range; anything else is read through the timestamp index, stopping at the limit.
        string direction = query.OldestFirst ? "" : " DESC";
        string order = query.AfterId is not null ? $" ORDER BY id{direction}" : $" ORDER BY ts_us{direction}, id{direction}";
        string sql = $"SELECT {StoreRows.EntryColumns} FROM ops_log"
                     + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
                     + order
                     + Db.Dialect.Limit(query.Limit);
        return (sql, parameters.ToArray());
    }

    public long LatestId() => Db.Read(() => Db.Scalar<long>("SELECT COALESCE(MAX(id), 0) FROM ops_log;"));

    /// <summary>Holds, lifts and clearances are entries of these two types (ix_ops_log_type_ts serves the query).</summary>
    internal const string DirectiveHighWaterSql =
        "SELECT COALESCE(MAX(id), 0) FROM ops_log WHERE event_type IN ('" + OpsEventType.Hold + "', '" + OpsEventType.ClearanceGranted + "');";

    public long DirectiveHighWater() => Db.Read(() => Db.ScalarPrepared<long>(DirectiveHighWaterSql));

    public long Count() => Db.Read(() => Db.Scalar<long>("SELECT COUNT(*) FROM ops_log;"));

    public int MoveOlderThan(DateTimeOffset cutoff, int batchSize, Action<IReadOnlyList<OpsLogEntry>> sink)
    {
        return Db.InWriteTransaction(() =>
        {
            List<OpsLogEntry> batch;
            using (var select = Db.Command($"SELECT {StoreRows.EntryColumns} FROM ops_log WHERE ts_us < @cutoff ORDER BY id LIMIT @n;",
                       ("cutoff", RelationalStore.ToMicros(cutoff)), ("n", batchSize)))
            {
                batch = StoreRows.Entries(select);
            }
            if (batch.Count == 0) return 0;
            sink(batch);
            return Db.Execute("DELETE FROM ops_log WHERE id <= @last AND ts_us < @cutoff;",
                ("last", batch[^1].Id), ("cutoff", RelationalStore.ToMicros(cutoff)));
        });
    }
}
