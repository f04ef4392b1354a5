using Fastband.Core.Locks;
namespace Fastband.Core.Board;

/// <summary>The status board: what each agent is on, the locks held, recent releases and refused acquisitions.</summary>
public sealed class StatusBoard
{
    /// <summary>Agents that set a status, and active agents that have not; active first, then by latest status update (or, without one, last seen), newest first.</summary>
    public IReadOnlyList<AgentWorkStatus> Agents { get; init; } = Array.Empty<AgentWorkStatus>();

    public IReadOnlyList<LockSummary> ActiveLocks { get; init; } = Array.Empty<LockSummary>();

    /// <summary>Which agent released which files, newest first.</summary>
    public IReadOnlyList<LockEvent> RecentReleases { get; init; } = Array.Empty<LockEvent>();

    /// <summary>Acquisitions refused because another agent held the files, newest first.</summary>
    public IReadOnlyList<LockEvent> RefusedAcquisitions { get; init; } = Array.Empty<LockEvent>();

    public DateTimeOffset GeneratedAt { get; init; }

    public override string ToString() =>
        $"{Agents.Count} agents, {ActiveLocks.Count} active locks, {RecentReleases.Count} recent releases, {RefusedAcquisitions.Count} refused acquisitions";
}
