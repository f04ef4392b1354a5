namespace Fastband.Core.OpsLog;

/// <summary>Answers "may I work now?" from holds and rebuilds, waits until the answer is yes, and sums up the board.</summary>
public sealed class Coordinator
{
    private readonly DirectiveBoard _directives;
    private readonly RebuildTracker _rebuilds;
    private readonly AgentRegistry _agents;
    private readonly CallerIdentity _caller;
    private readonly OpsLogSettings _settings;
    private readonly TimeProvider _clock;
    private readonly Func<long> _latestEntry;

    // latestEntry: the ops log's highest entry id; a check that sees it change while it reads holds and rebuilds reads again.
    internal Coordinator(DirectiveBoard directives, RebuildTracker rebuilds, AgentRegistry agents, CallerIdentity caller, OpsLogSettings settings, TimeProvider clock, Func<long> latestEntry)
    {
        _latestEntry = latestEntry;
        _directives = directives;
        _rebuilds = rebuilds;
        _agents = agents;
        _caller = caller;
        _settings = settings;
        _clock = clock;
    }

    private const int MaxConsistentReads = 20;

    /// <summary>
    /// May <paramref name="agent"/> (the caller when null) work on <paramref name="ticketId"/> now?
    /// A hold that covers it and that no later clearance exempts blocks it; so does a rebuild in progress
    /// that another agent requested.
    /// </summary>
    public WorkPermission Check(string? agent = null, string? ticketId = null)
    {
        string who = agent ?? _caller.Agent;
        AgentName.Validate(who);
        string? ticket = OpsLogService.NormalizeTicket(ticketId);
        // Holds and rebuilds are two reads of the ops log. If an entry lands between them (a hold posted, then the
        // rebuild completed), the two do not describe one moment: read both again until no entry came in between.
        IReadOnlyList<Directive> holds;
        RebuildStatus[] rebuilds;
        long before = _latestEntry();
        for (int attempt = 1; ; attempt++)
        {
            holds = _directives.BlockingHolds(who, ticket);
            rebuilds = _rebuilds.InProgress()
                .Where(r => !string.Equals(r.RequestedBy, who, StringComparison.OrdinalIgnoreCase)).ToArray();
            long after = _latestEntry();
            if (after == before) break;
            if (attempt == MaxConsistentReads)
                throw new BlockedException("CoordinationBusy", $"The ops log changed during each of {MaxConsistentReads} reads, so whether {who} may work could not be decided: try again.");
            before = after;
        }
        string target = ticket is null ? "" : $" on ticket #{ticket}";
        string reason = holds.Count > 0
            ? $"{who} may not work{target}: hold {holds[^1].Id} by {holds[^1].IssuedBy} is in force ({holds[^1].Reason})."
            : rebuilds.Length > 0
                ? $"{who} may not work{target}: {rebuilds[0].Container} is being rebuilt by {rebuilds[0].RequestedBy} since {TimeSpec.Display(rebuilds[0].RequestedAt)} UTC."
                : $"{who} may work{target}: no hold or rebuild stands in the way.";
        return new WorkPermission
        {
            Agent = who, TicketId = ticket, Allowed = holds.Count == 0 && rebuilds.Length == 0, Reason = reason,
            BlockingHolds = holds, BlockingRebuilds = rebuilds, CheckedAt = _clock.GetUtcNow(),
        };
    }

    /// <summary>Polls until the agent may work, the timeout passes, or the token is cancelled. Returns the last answer.</summary>
    public WorkPermission WaitUntilAllowed(string? agent, string? ticketId, TimeSpan timeout, CancellationToken cancellation, TimeSpan? pollInterval = null)
    {
        var poll = pollInterval ?? _settings.PollInterval;
        var deadline = _clock.GetUtcNow() + timeout;
        while (true)
        {
            var answer = Check(agent, ticketId);
            if (answer.Allowed || _clock.GetUtcNow() >= deadline || cancellation.IsCancellationRequested) return answer;
            var left = deadline - _clock.GetUtcNow();
            if (cancellation.WaitHandle.WaitOne(left < poll ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : poll)) return Check(agent, ticketId);
        }
    }

    public CoordinationStatus GetStatus() => new()
    {
        ActiveAgents = _agents.Active(),
        Directive = _directives.GetStatus(),
        RebuildsInProgress = _rebuilds.InProgress(),
        GeneratedAt = _clock.GetUtcNow(),
    };
}
