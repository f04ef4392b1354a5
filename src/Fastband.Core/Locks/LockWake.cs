using System.Text;
using Fastband.Core.Store;

namespace Fastband.Core.Locks;

/// <summary>
/// Hand-off without polling, on one machine. A queued waiter binds a doorbell (<see cref="WakeSocket"/>) named after
/// the store and its queue number, and sleeps on it; whoever commits a write that may let a waiter through (a
/// release, a break, a waiter leaving the queue, stale leases or waiters taken out) rings the doorbells of the
/// waiters on this host that could be granted next. The store stays the only truth: a woken waiter looks at the
/// lock state and decides by <see cref="LockRules"/> as before, so a ring that is lost, late or spurious costs time,
/// never order or safety, and the waiter's fallback poll covers what no ring reaches (other hosts, other platforms).
/// </summary>
internal sealed class LockWake
{
    private readonly ILockStore _store;
    private readonly string _host;
    private readonly string _prefix;
    private readonly TimeProvider _clock;

    /// <summary>Doorbells for the waiters of <paramref name="store"/>, named after <paramref name="storeLocation"/> (one namespace per store); <paramref name="host"/> is the caller's.</summary>
    /// <param name="store">The lock store whose waiters are rung.</param>
    /// <param name="storeLocation">The store's <see cref="IFastbandStore.Location"/>.</param>
    /// <param name="host">The caller's host: only waiters recorded on it can be rung.</param>
    /// <param name="clock">The time the queue is judged at.</param>
    public LockWake(ILockStore store, string storeLocation, string host, TimeProvider clock)
    {
        _store = store;
        _host = host;
        _clock = clock;
        // Hashed: a PostgreSQL location can be long, and an abstract socket name holds at most 107 bytes. FNV-1a, as
        // the writer gate's name, not SHA-256, which would load OpenSSL into every process that locks; a collision
        // only makes two stores share doorbell names: a spurious ring, or a waiter that polls because its name is taken.
        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(storeLocation)) hash = (hash ^ b) * 1099511628211;
        _prefix = "fastband-lock/" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + "/";
    }

    /// <summary>Off: waiters poll and releasers ring nobody, as on a platform without doorbells (tests turn it off for the negative control).</summary>
    public bool Enabled { get; set; } = WakeSocket.Supported;

    /// <summary>The doorbell name of a queue number in this store.</summary>
    public string NameOf(long queueNumber) => _prefix + queueNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A doorbell for the waiter with this queue number, or null (off, unsupported, or the name is taken): then it polls.</summary>
    public WakeSocket? Join(long queueNumber) => Enabled ? WakeSocket.TryBind(NameOf(queueNumber)) : null;

    /// <summary>
    /// Call after a commit that freed something: rings the waiters on this host that could be granted now, read
    /// from the store after the commit (so a waiter that queued in between is seen, and one that left is not).
    /// </summary>
    public void RingNext()
    {
        if (!Enabled) return;
        var waiters = _store.Waiters();
        if (!waiters.Any(w => string.Equals(w.Host, _host, StringComparison.OrdinalIgnoreCase))) return;
        Ring(_store.Leases(), waiters, _clock.GetUtcNow());
    }

    /// <summary>
    /// Walks the queue in order as the rules would serve it: a waiter that nothing stands in front of (no live lease
    /// of another in the way, nobody still queued ahead for an overlapping path in an incompatible mode) is rung; the
    /// first overlapping exclusive waiter therefore blocks those behind it, while shared ones after a shared one
    /// are rung together. A waiter on this host whose doorbell nobody answers (dead, or not bound yet) is passed
    /// over as if gone, so the next one looks; when it is in fact alive, that look only finds it still ahead.
    /// Processes are taken as alive here: a waiter blocked by a dead holder learns it from its own pidfd or poll.
    /// </summary>
    private void Ring(IReadOnlyList<Lease> leases, IReadOnlyList<LockWaiter> waiters, DateTimeOffset now)
    {
        var ahead = new List<LockWaiter>(waiters.Count);
        foreach (var w in waiters)
        {
            if (!LockRules.IsWaiting(w, now)) continue; // stale: the rules no longer count it
            var theirs = new LockRules(w.Agent, w.SessionId, _host, static (_, _, _) => true);
            bool free = theirs.Conflicts(leases, w.Resources, w.Mode, now).Count == 0 && !theirs.QueuedAhead(ahead, w.Resources, w.Mode, w.QueueNumber, now).Any();
            bool here = string.Equals(w.Host, _host, StringComparison.OrdinalIgnoreCase);
            if (free && here && !WakeSocket.Ring(NameOf(w.QueueNumber))) continue;
            ahead.Add(w);
        }
    }
}
