using Fastband.Core.Store;

namespace Fastband.Core.Locks;

/// <summary>
/// Taking out of the store, inside a lock transaction, what <see cref="LockRules"/> call stale: leases that expired
/// or whose process died (each recorded as reclaimed), and waiters that stopped showing themselves.
/// </summary>
internal static class LockReclaim
{
    /// <summary>Deletes the stale leases among <paramref name="leases"/> (recording each) and returns the live ones.</summary>
    public static List<Lease> ReclaimStale(this ILockTransaction tx, LockRules rules, IReadOnlyList<Lease> leases, DateTimeOffset now, List<ReclaimedLease> reclaimed)
    {
        var live = new List<Lease>(leases.Count);
        foreach (var lease in leases)
        {
            if (rules.StaleReason(lease, now) is not { } why)
            {
                live.Add(lease);
                continue;
            }
            tx.DeleteLease(lease.LeaseId);
            tx.Record(new LockEvent { At = now, Action = "reclaimed", LeaseId = lease.LeaseId, Agent = lease.Agent, Resources = lease.Resources, FencingToken = lease.FencingToken, Detail = why });
            reclaimed.Add(new ReclaimedLease { Lease = lease, Why = why });
        }
        return live;
    }

    /// <summary>
    /// Deletes the stale waiters but <paramref name="keep"/> (the caller's own, which it is about to touch) and returns
    /// the queue that is left, in order, so the caller need not read it again; <paramref name="dropped"/> counts the deleted.
    /// </summary>
    public static List<LockWaiter> DropStaleWaiters(this ILockTransaction tx, LockRules rules, DateTimeOffset now, long? keep, out int dropped)
    {
        var waiters = tx.Waiters();
        var left = new List<LockWaiter>(waiters.Count);
        dropped = 0;
        foreach (var w in waiters)
        {
            if (w.QueueNumber != keep && rules.IsStale(w, now))
            {
                tx.DeleteWaiter(w.QueueNumber);
                dropped++;
            }
            else left.Add(w);
        }
        return left;
    }
}
