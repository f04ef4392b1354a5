using Fastband.Core.Locks;

namespace Fastband.Core.Store;

/// <summary>
/// Lock state. The rules (conflicts, staleness, queue order) live in <see cref="Locks.LockRules"/> (decided) and <see cref="Locks.LockAcquirer"/> (waited for); the store
/// gives it one atomic read-decide-write transaction at a time, and plain reads.
/// </summary>
public interface ILockStore
{
    /// <summary>Runs <paramref name="work"/> in one write transaction: nothing another writer does interleaves.</summary>
    T Write<T>(Func<ILockTransaction, T> work);

    IReadOnlyList<Lease> Leases();

    IReadOnlyList<LockWaiter> Waiters();

    /// <summary>The latest fencing token issued for a resource (by a grant or a break), or null.</summary>
    long? ResourceToken(string resource);

    /// <summary>The last thing that happened to a lease (released, broken, reclaimed...), or null.</summary>
    LockEvent? LastEvent(string leaseId);

    /// <summary>Newest first; only the given actions when any are given.</summary>
    IReadOnlyList<LockEvent> History(IReadOnlyList<string>? actions, int limit);
}

/// <summary>What <see cref="LockService"/> may do inside one write transaction.</summary>
public interface ILockTransaction
{
    IReadOnlyList<Lease> Leases();

    /// <summary>One lease by id, or null: cheaper than <see cref="Leases"/> when many are held.</summary>
    Lease? Lease(string leaseId);
    IReadOnlyList<LockWaiter> Waiters();

    /// <summary>The next fencing token: strictly greater than every token issued before, for any resource.</summary>
    long NextFencingToken();

    /// <summary>The ops log's <see cref="IOpsLogStore.DirectiveHighWater"/>, read under this transaction's writer lock.</summary>
    long DirectiveHighWater();
    long? ResourceToken(string resource);
    void SetResourceToken(string resource, long token);

    void InsertLease(Lease lease);
    void DeleteLease(string leaseId);
    void SetExpiry(string leaseId, DateTimeOffset renewedAt, DateTimeOffset expiresAt);
    void RemoveResources(string leaseId, IReadOnlyList<string> resources);

    /// <summary>Queues a waiter and returns its queue number (arrival order; the lock_waiters.ticket column).</summary>
    long Enqueue(LockWaiter waiter);
    void TouchWaiter(long queueNumber, DateTimeOffset seenAt);
    void DeleteWaiter(long queueNumber);

    void Record(LockEvent entry);

    /// <summary>Records that the agent was seen (a grant is activity, as an ops log write is).</summary>
    void TouchAgent(AgentTouch touch, DateTimeOffset now);
}
