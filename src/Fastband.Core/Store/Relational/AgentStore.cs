using Fastband.Core.OpsLog;

namespace Fastband.Core.Store;

/// <summary>The agents table: each agent's presence (host, process, last seen, current ticket).</summary>
internal sealed class AgentStore : IAgentStore
{
    private readonly RelationalStore _db;

    public AgentStore(RelationalStore db) => _db = db;

    public AgentRegistration Register(AgentTouch touch, DateTimeOffset now)
    {
        _db.InWriteTransaction(() => Upsert(touch, now, registering: true));
        return Get(touch.Agent)!;
    }

    /// <summary>Records <paramref name="touch"/> at <paramref name="now"/>; inside the caller's write transaction.</summary>
    public void Upsert(AgentTouch touch, DateTimeOffset now, bool registering) =>
        _db.ExecutePrepared(UpsertSql(touch, registering, "CAST(@now AS BIGINT)", end: ";"),
            Parameters(touch).Append(("now", RelationalStore.ToMicros(now))).ToArray());

    /// <summary>
    /// The agent upsert, its time given as SQL (<paramref name="now"/>), its row selected <paramref name="from"/> another
    /// statement's result when given (PostgreSQL's one-trip append). Names are unique ignoring case. A claim sets the
    /// ticket; a completion clears it only if it is the ticket completed. INSERT ... SELECT rather than VALUES so the
    /// row can come from a RETURNING; the casts type parameters that may be null, and SQLite needs the WHERE to tell
    /// the upsert's ON from a join's.
    /// </summary>
    public string UpsertSql(AgentTouch touch, bool registering, string now, string from = "", string end = "")
    {
        // Every write records its writer's presence: the statement is built once per shape, not on every write.
        var shape = (touch.Ticket, touch.Ticket == TicketChange.Clear && touch.TicketId is null, registering, now, from, end);
        return _upserts.TryGetValue(shape, out string? sql) ? sql : _upserts.GetOrAdd(shape, BuildUpsertSql(touch, registering, now, from) + end);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(TicketChange, bool, bool, string, string, string), string> _upserts = new();

    private string BuildUpsertSql(AgentTouch touch, bool registering, string now, string from)
    {
        string ticketUpdate = touch.Ticket switch
        {
            TicketChange.Set => "current_ticket = excluded.current_ticket",
            TicketChange.Clear when touch.TicketId is null => "current_ticket = NULL",
            TicketChange.Clear => "current_ticket = CASE WHEN agents.current_ticket = CAST(@agentTicket AS TEXT) THEN NULL ELSE agents.current_ticket END",
            _ => "current_ticket = agents.current_ticket",
        };
        string registered = registering ? "registered_us = excluded.registered_us," : "";
        return "INSERT INTO agents (name, host, pid, process_started_us, registered_us, last_seen_us, current_ticket) " +
               "SELECT CAST(@agentName AS TEXT), CAST(@agentHost AS TEXT), CAST(@agentPid AS INTEGER), CAST(@agentStarted AS BIGINT), " +
               $"{now}, {now}, CAST(@agentInitialTicket AS TEXT){from} WHERE TRUE " +
               $"ON CONFLICT {_db.Dialect.UniqueIgnoringCase("name")} DO UPDATE SET host = excluded.host, pid = excluded.pid, " +
               $"process_started_us = excluded.process_started_us, {registered} last_seen_us = excluded.last_seen_us, {ticketUpdate}";
    }

    public static IEnumerable<(string, object?)> Parameters(AgentTouch touch) => new (string, object?)[]
    {
        ("agentName", touch.Agent), ("agentHost", touch.Host), ("agentPid", touch.ProcessId),
        ("agentStarted", StoreRows.ToMicros(touch.ProcessStartedAt)),
        ("agentInitialTicket", touch.Ticket == TicketChange.Set ? touch.TicketId : null), ("agentTicket", touch.TicketId),
    };

    public AgentRegistration? Get(string agent) => _db.Read(() =>
    {
        using var cmd = _db.Command($"SELECT {StoreRows.AgentColumns} FROM agents WHERE {_db.Dialect.EqualsIgnoreCase("name", "@name")};", ("name", agent));
        return StoreRows.Agents(cmd).FirstOrDefault();
    });

    public IReadOnlyList<AgentRegistration> List() => _db.Read(() =>
    {
        using var cmd = _db.Command($"SELECT {StoreRows.AgentColumns} FROM agents ORDER BY last_seen_us DESC, {_db.Dialect.NameOrder("name")};");
        return StoreRows.Agents(cmd);
    });
}
