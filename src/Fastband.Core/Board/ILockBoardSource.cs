using Fastband.Core.Locks;

namespace Fastband.Core.Board;

/// <summary>
/// Where the status board reads the lock side from: the leases held now, recent releases and refused
/// acquisitions. The lock feature implements it; without one the board shows those lists empty.
/// </summary>
public interface ILockBoardSource
{
    IReadOnlyList<LockSummary> ActiveLocks();

    /// <summary>The newest <paramref name="n"/> releases, newest first.</summary>
    IReadOnlyList<LockEvent> RecentReleases(int n);

    /// <summary>The newest <paramref name="n"/> refused acquisitions (conflicts), newest first.</summary>
    IReadOnlyList<LockEvent> RefusedAcquisitions(int n);
}

/// <summary>One lease held now.</summary>
public sealed record LockSummary
{
    public string LeaseId { get; init; } = "";
    public string Agent { get; init; } = "";
    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();
    public string Mode { get; init; } = "";
    public long FencingToken { get; init; }
    public DateTimeOffset AcquiredAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>How many agents wait for these resources.</summary>
    public int Waiters { get; init; }
}
