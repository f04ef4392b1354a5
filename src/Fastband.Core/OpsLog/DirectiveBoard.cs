using Fastband.Core.Store;

namespace Fastband.Core.OpsLog;

/// <summary>
/// Holds, clearances and lifts. They are log entries (event types <c>hold</c> and <c>clearance_granted</c>);
/// this class writes them and replays them into the set of holds in force.
///
/// The rules, applied in log order over the directive window (24 h by default):
/// a hold blocks the agents and tickets it names (none named: everyone, all work);
/// a clearance exempts the agents and tickets it names from every hold posted before it;
/// a lift ends every hold before it (or one hold, by id). A hold posted after a clearance is not
/// narrowed by that clearance.
/// </summary>
public sealed class DirectiveBoard
{
    private readonly OpsLogService _log;
    private readonly AgentRegistry _agents;
    private readonly CallerIdentity _caller;
    private readonly OpsLogSettings _settings;
    private readonly TimeProvider _clock;

    internal DirectiveBoard(OpsLogService log, AgentRegistry agents, CallerIdentity caller, OpsLogSettings settings, TimeProvider clock)
    {
        _log = log;
        _agents = agents;
        _caller = caller;
        _settings = settings;
        _clock = clock;
    }

    public Directive Hold(string reason, IEnumerable<string>? agents = null, IEnumerable<string>? tickets = null)
    {
        string why = OpsLogService.ValidateMessage(reason);
        var who = OpsLogService.NormalizeAgents(agents);
        var what = OpsLogService.NormalizeTickets(tickets);
        string scope = (who.Count == 0 ? "all agents" : string.Join(", ", who))
                       + (what.Count == 0 ? "" : " on tickets " + string.Join(", ", what.Select(t => "#" + t)));
        var entry = _log.Write(OpsEventType.Hold, $"HOLD for {scope}: {why}", null, new Dictionary<string, object?>
        {
            ["directive"] = Directive.HoldKind, ["agents"] = who, ["tickets"] = what, ["reason"] = why,
        });
        return ToDirective(entry);
    }

    /// <summary>Lifts every hold in force, or only <paramref name="holdId"/>. Fails with NotFound if there is nothing to lift.</summary>
    public Directive Lift(string? reason = null, long? holdId = null)
    {
        var standing = Evaluate().Holds;
        if (standing.Count == 0)
            throw new NotFoundException("NoHold", "There is no hold in force to lift: check with 'fastband ops directive'.");
        if (holdId is { } id && standing.All(h => h.Hold.Id != id))
            throw new NotFoundException("HoldNotFound",
                $"Hold {id} is not in force: the holds in force are {string.Join(", ", standing.Select(h => h.Hold.Id))}.");
        string why = string.IsNullOrWhiteSpace(reason) ? "work may resume" : OpsLogService.ValidateMessage(reason);
        string which = holdId is null ? "all holds" : $"hold {holdId}";
        var entry = _log.Write(OpsEventType.ClearanceGranted, $"HOLD LIFTED ({which}): {why}", null, new Dictionary<string, object?>
        {
            ["directive"] = Directive.LiftKind, ["liftsHoldId"] = holdId, ["reason"] = why,
            ["agents"] = Array.Empty<string>(), ["tickets"] = Array.Empty<string>(),
        });
        return ToDirective(entry);
    }

    public Directive GrantClearance(IEnumerable<string> agents, IEnumerable<string>? tickets, string reason)
    {
        var who = OpsLogService.NormalizeAgents(agents);
        if (who.Count == 0)
            throw new InvalidInputException("NoAgents", "A clearance needs at least one agent: name them with --to (or -To).");
        var what = OpsLogService.NormalizeTickets(tickets);
        string why = OpsLogService.ValidateMessage(reason);
        if (who.Contains(_caller.Agent, StringComparer.OrdinalIgnoreCase))
        {
            var other = Evaluate().Holds.Select(h => h.Hold)
                .LastOrDefault(h => !PostedBy(h, _caller.Agent) && Covers(h, _caller.Agent, what));
            if (other is not null)
                throw new BlockedException("SelfClearance",
                    $"{_caller.Agent} may not clear itself of hold {other.Id} by {other.IssuedBy}: ask {other.IssuedBy} (or another agent) for clearance.");
        }
        string on = what.Count == 0 ? "all work" : "tickets " + string.Join(", ", what.Select(t => "#" + t));
        var entry = _log.Write(OpsEventType.ClearanceGranted, $"CLEARANCE GRANTED for {string.Join(", ", who)} on {on}. {why}", null,
            new Dictionary<string, object?>
            {
                ["directive"] = Directive.ClearanceKind, ["agents"] = who, ["tickets"] = what, ["reason"] = why,
                ["granted_to"] = who,
            });
        return ToDirective(entry);
    }

    /// <summary>Posts a clearance request and tells how many other active agents will see it.</summary>
    public ClearanceRequest RequestClearance(IEnumerable<string> tickets, string reason)
    {
        var what = OpsLogService.NormalizeTickets(tickets);
        if (what.Count == 0)
            throw new InvalidInputException("NoTickets", "A clearance request needs at least one ticket: name them with --tickets (or -TicketId).");
        string why = OpsLogService.ValidateMessage(reason);
        var others = _agents.Active().Select(a => a.Name)
            .Where(n => !string.Equals(n, _caller.Agent, StringComparison.OrdinalIgnoreCase)).ToArray();
        var entry = _log.Write(OpsEventType.StatusUpdate,
            $"CLEARANCE REQUEST from {_caller.Agent} for tickets {string.Join(", ", what.Select(t => "#" + t))}. {why}", null,
            new Dictionary<string, object?>
            {
                ["type"] = "clearance_request", ["requestedTickets"] = what, ["reason"] = why, ["notifiedAgents"] = others,
            });
        return new ClearanceRequest
        {
            Entry = entry, Tickets = what, NotifiedAgents = others,
            Message = $"Clearance request posted. {others.Length} other agent(s) notified.",
        };
    }

    /// <summary>The latest directive in the window and the holds in force.</summary>
    public DirectiveStatus GetStatus()
    {
        var state = Evaluate();
        return new DirectiveStatus
        {
            Latest = state.Latest,
            ActiveHolds = state.Holds.Select(h => h.Hold).ToArray(),
            Clearances = state.Holds.SelectMany(h => h.Exemptions).DistinctBy(c => c.Id).OrderBy(c => c.Id).ToArray(),
            Message = state.Latest is null ? "No active directives. Safe to proceed."
                : state.Holds.Count == 0 ? "No hold in force."
                : $"{state.Holds.Count} hold(s) in force.",
        };
    }

    /// <summary>
    /// The holds that block <paramref name="agent"/> on <paramref name="ticketId"/>, and the directives' high-water
    /// mark read before them (<see cref="Store.IOpsLogStore.DirectiveHighWater"/>): a write that acts on "no hold"
    /// checks inside its transaction that the mark has not moved, and looks again if it has.
    /// </summary>
    public (IReadOnlyList<Directive> Holds, long Mark) BlockingHoldsFenced(string agent, string? ticketId)
    {
        long mark = _log.DirectiveHighWater();
        return (BlockingHolds(agent, ticketId), mark);
    }

    /// <summary>The holds that block <paramref name="agent"/> on <paramref name="ticketId"/> (or on untargeted work).</summary>
    public IReadOnlyList<Directive> BlockingHolds(string agent, string? ticketId)
    {
        string? ticket = OpsLogService.NormalizeTicket(ticketId);
        return Evaluate().Holds
            .Where(h => Covers(h.Hold, agent, ticket) && !h.Exemptions.Any(c => Covers(c, agent, ticket) && MayExempt(c, h.Hold, agent)))
            .Select(h => h.Hold).ToArray();
    }

    private static bool Covers(Directive d, string agent, string? ticket) =>
        (d.Agents.Count == 0 || d.Agents.Contains(agent, StringComparer.OrdinalIgnoreCase))
        && (d.Tickets.Count == 0 || (ticket is not null && d.Tickets.Contains(ticket, StringComparer.Ordinal)));

    /// <summary>Does a hold cover <paramref name="agent"/> on any of <paramref name="tickets"/> (none: on any work)?</summary>
    private static bool Covers(Directive hold, string agent, IReadOnlyList<string> tickets) =>
        tickets.Count == 0 || hold.Tickets.Count == 0 ? Covers(hold, agent, (string?)hold.Tickets.FirstOrDefault())
            : tickets.Any(t => Covers(hold, agent, t));

    private static bool PostedBy(Directive d, string agent) => string.Equals(d.IssuedBy, agent, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A clearance exempts its own author only from the author's own holds: a held agent cannot clear itself (also
    /// not through a clearance that reached the log past <see cref="GrantClearance"/>'s check, such as in a race).
    /// </summary>
    private static bool MayExempt(Directive clearance, Directive hold, string agent) =>
        !PostedBy(clearance, agent) || PostedBy(hold, agent);

    private sealed record StandingHold(Directive Hold, List<Directive> Exemptions);

    private (Directive? Latest, List<StandingHold> Holds) Evaluate()
    {
        var since = _clock.GetUtcNow() - _settings.DirectiveWindow;
        var entries = _log.Read(new OpsLogQuery
        {
            Since = since, EventTypes = new[] { OpsEventType.Hold, OpsEventType.ClearanceGranted }, Limit = 0,
        });
        var holds = new List<StandingHold>();
        Directive? latest = null;
        foreach (var entry in entries.OrderBy(e => e.Id))
        {
            var d = ToDirective(entry);
            latest = d;
            switch (d.Kind)
            {
                case Directive.HoldKind:
                    holds.Add(new StandingHold(d, new List<Directive>()));
                    break;
                case Directive.LiftKind:
                    holds.RemoveAll(h => d.LiftsHoldId is null || h.Hold.Id == d.LiftsHoldId);
                    break;
                default:
                    foreach (var h in holds) h.Exemptions.Add(d);
                    break;
            }
        }
        return (latest, holds);
    }

    /// <summary>Reads a directive back from its entry. Entries written by hand without metadata apply to everyone.</summary>
    public static Directive ToDirective(OpsLogEntry entry)
    {
        var meta = entry.Metadata;
        string kind = entry.EventType == OpsEventType.Hold ? Directive.HoldKind
            : meta.TryGetValue("directive", out var k) && Directive.LiftKind.Equals(k as string) ? Directive.LiftKind
            : Directive.ClearanceKind;
        var agents = JsonListOrLegacy(meta, "agents", "granted_to");
        long? lifts = meta.TryGetValue("liftsHoldId", out var l) && l is long id ? id : null;
        return new Directive
        {
            Id = entry.Id,
            Kind = kind,
            IssuedBy = entry.Agent,
            IssuedAt = entry.Timestamp,
            Reason = meta.TryGetValue("reason", out var r) && r is string reason ? reason : entry.Message,
            Agents = agents,
            Tickets = Fastband.Core.FastbandJson.StringList(meta, "tickets").Select(t => t.TrimStart('#')).ToArray(),
            LiftsHoldId = lifts,
            Formatted = entry.Formatted,
        };
    }

    private static IReadOnlyList<string> JsonListOrLegacy(IReadOnlyDictionary<string, object?> meta, string key, string legacyKey)
    {
        var list = FastbandJson.StringList(meta, key);
        return list.Count > 0 ? list : FastbandJson.StringList(meta, legacyKey);
    }
}
