using Fastband.Core.Leader;

namespace Fastband.Core.Store;

/// <summary>
/// Heartbeats and leader terms. The leader's lease lives with the other leases (<see cref="ILockStore"/>); a write
/// here sees both in one transaction, so electing, renewing and resigning are each atomic.
/// </summary>
public interface ILeaderStore
{
    T Write<T>(Func<ILeaderTransaction, T> work);

    /// <summary>Every agent's last heartbeat, most recent first.</summary>
    IReadOnlyList<Heartbeat> Heartbeats();

    Heartbeat? Heartbeat(string agent);

    /// <summary>Newest term first.</summary>
    IReadOnlyList<LeaderTerm> Terms(int limit);
}

/// <summary>What <see cref="Fastband.Core.Leader.LeaderService"/> may do inside one write transaction.</summary>
public interface ILeaderTransaction
{
    /// <summary>The lease tables, in the same transaction.</summary>
    ILockTransaction Locks { get; }

    Heartbeat? Heartbeat(string agent);

    void SaveHeartbeat(Heartbeat beat);

    /// <summary>True when the agent had a heartbeat row to remove.</summary>
    bool DeleteHeartbeat(string agent);

    LeaderTerm? LatestTerm();

    void InsertTerm(LeaderTerm term);

    void EndTerm(long term, DateTimeOffset at, string reason);
}
