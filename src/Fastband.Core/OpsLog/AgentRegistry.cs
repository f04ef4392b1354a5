using Fastband.Core.Store;

namespace Fastband.Core.OpsLog;

/// <summary>Agent sessions: who is here, since when, on which ticket.</summary>
public sealed class AgentRegistry
{
    private readonly IAgentStore _agents;
    private readonly CallerIdentity _caller;
    private readonly OpsLogSettings _settings;
    private readonly TimeProvider _clock;

    internal AgentRegistry(IAgentStore agents, CallerIdentity caller, OpsLogSettings settings, TimeProvider clock)
    {
        _agents = agents;
        _caller = caller;
        _settings = settings;
        _clock = clock;
    }

    /// <summary>Registers (or re-registers) the caller, optionally on a ticket.</summary>
    public AgentRegistration Register(string? ticketId = null)
    {
        string? ticket = OpsLogService.NormalizeTicket(ticketId);
        var touch = new AgentTouch(_caller.Agent, _caller.Host, _caller.ProcessId, _caller.ProcessStartedAt)
        {
            Ticket = ticket is null ? TicketChange.Keep : TicketChange.Set,
            TicketId = ticket,
        };
        var now = _clock.GetUtcNow();
        return _agents.Register(touch, now).WithActivity(now, _settings.ActiveAgentWindow);
    }

    public IReadOnlyList<AgentRegistration> List(bool includeInactive = false)
    {
        var now = _clock.GetUtcNow();
        return _agents.List().Select(a => a.WithActivity(now, _settings.ActiveAgentWindow))
            .Where(a => includeInactive || a.IsActive).ToArray();
    }

    public IReadOnlyList<AgentRegistration> Active() => List(includeInactive: false);

    public AgentRegistration Get(string name)
    {
        var now = _clock.GetUtcNow();
        return _agents.Get(name)?.WithActivity(now, _settings.ActiveAgentWindow)
               ?? throw new NotFoundException("AgentNotFound", $"No agent named '{name}' has registered: list them with 'fastband agents list --all'.");
    }

    /// <summary>Other active agents whose current ticket is <paramref name="ticketId"/>.</summary>
    public TicketConflict CheckTicket(string ticketId)
    {
        string ticket = OpsLogService.NormalizeTicket(ticketId)
                        ?? throw new InvalidInputException("NoTicket", "Name the ticket to check with --ticket (or -TicketId).");
        var others = Active()
            .Where(a => a.CurrentTicket == ticket && !string.Equals(a.Name, _caller.Agent, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Name).ToArray();
        return new TicketConflict
        {
            TicketId = ticket,
            Agent = _caller.Agent,
            ConflictingAgents = others,
            Recommendation = others.Length == 0
                ? $"No other active agent is on ticket #{ticket}."
                : $"Contact {string.Join(", ", others)} before working on ticket #{ticket}.",
        };
    }
}
