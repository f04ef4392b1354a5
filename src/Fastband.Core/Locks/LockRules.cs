namespace Fastband.Core.Locks;

/// <summary>What the rules answer to a lock request.</summary>
internal enum LockVerdict
{
    /// <summary>A live lease of the caller's already gives it everything asked for, in a mode at least as strong.</summary>
    AlreadyHeld,

    /// <summary>Nothing stands in the way: grant it now.</summary>
    Grant,

    /// <summary>Something stands in the way and the caller may wait: queue it (or keep its place in the queue).</summary>
    Queue,

    /// <summary>Something stands in the way and the caller may not wait (any longer): refuse it.</summary>
    Refuse,
}

/// <summary>
/// The rules' answer: the verdict, the caller's own lease for <see cref="LockVerdict.AlreadyHeld"/>, and for
/// <see cref="LockVerdict.Queue"/> and <see cref="LockVerdict.Refuse"/> who stands in the way: the reason.
/// </summary>
internal sealed record LockDecision(LockVerdict Verdict, Lease? Held, IReadOnlyList<LockConflict> Conflicts);

/// <summary>A request as the rules see it: normalized resources, the mode, and the caller's queue number when it is queued already.</summary>
internal sealed record LockAsk(IReadOnlyList<string> Resources, string Mode, long? QueueNumber = null);

/// <summary>
/// The rules of locking, apart from the store and from waiting: whose lease is whose (agent and session), which
/// leases and waiters no longer count (expired, their process dead on this host, a waiter not seen for
/// <see cref="WaiterStaleAfter"/>), who stands in the way of a request (live leases of others in an incompatible
/// mode on an overlapping path, and others queued earlier for one), and so whether to grant, queue or refuse it.
/// Everything it judges is given, the time included; the one fact from outside, whether a process is alive, comes
/// from the function it is built with (by default <see cref="ProcessLiveness.IsAlive"/>, judged on this host only).
/// </summary>
/// <param name="callerAgent">The caller: its leases are its own, never in its way.</param>
/// <param name="callerSession">The caller's session: the same agent in another session is someone else.</param>
/// <param name="callerHost">The caller's host, where pids are judged.</param>
/// <param name="processAlive">Is (host, pid, start time) still running? Default: <see cref="ProcessLiveness.IsAlive"/> from <paramref name="callerHost"/>.</param>
internal sealed class LockRules(string callerAgent, string? callerSession, string callerHost, Func<string, int, DateTimeOffset?, bool>? processAlive = null)
{
    /// <summary>A waiter that has not shown itself for this long (its process died mid-wait) leaves the queue.</summary>
    public static readonly TimeSpan WaiterStaleAfter = TimeSpan.FromSeconds(10);

    private readonly Func<string, int, DateTimeOffset?, bool> _processAlive =
        processAlive ?? ((host, pid, started) => ProcessLiveness.IsAlive(host, pid, started, callerHost));

    /// <summary>
    /// Grant, queue or refuse <paramref name="ask"/>, given the leases stored, the queue and the time: already held
    /// when a live lease of the caller's covers it; else granted when no live lease of another stands in the way and
    /// no other waiter queued earlier wants an overlapping path; else queued when <paramref name="mayWait"/>, refused
    /// when not. Stale leases and stale waiters are judged gone.
    /// </summary>
    public LockDecision Decide(LockAsk ask, IReadOnlyList<Lease> leases, IReadOnlyList<LockWaiter> waiters, DateTimeOffset now, bool mayWait)
    {
        var mine = leases.FirstOrDefault(l => IsMine(l.Agent, l.SessionId) && Covers(l, ask.Resources, ask.Mode) && StaleReason(l, now) is null);
        if (mine is not null) return new LockDecision(LockVerdict.AlreadyHeld, mine, Array.Empty<LockConflict>());
        var conflicts = Conflicts(leases, ask.Resources, ask.Mode, now).Concat(QueuedAhead(waiters, ask.Resources, ask.Mode, ask.QueueNumber, now)).ToList();
        var verdict = conflicts.Count == 0 ? LockVerdict.Grant : mayWait ? LockVerdict.Queue : LockVerdict.Refuse;
        return new LockDecision(verdict, null, conflicts);
    }

    /// <summary>Is this lease (or waiter) the caller's: the same agent (any case) in the same session?</summary>
    public bool IsMine(string agent, string? session) =>
        string.Equals(agent, callerAgent, StringComparison.OrdinalIgnoreCase) && session == callerSession;

    /// <summary>Does a lease of the caller already give it every resource asked for, in a mode at least as strong?</summary>
    public static bool Covers(Lease lease, IReadOnlyList<string> resources, string mode) =>
        (lease.Mode == LockMode.Exclusive || mode == LockMode.Shared)
        && resources.All(r => lease.Resources.Contains(r, StringComparer.Ordinal));

    /// <summary>Why a lease no longer holds anything (<c>expired</c>, <c>process-dead</c>), or null if it is live.</summary>
    public string? StaleReason(Lease lease, DateTimeOffset now)
    {
        if (now >= lease.ExpiresAt) return "expired";
        if (lease.ProcessId is { } pid && !_processAlive(lease.Host, pid, lease.ProcessStartedAt)) return "process-dead";
        return null;
    }

    /// <summary>Has the waiter shown itself recently enough to keep its place?</summary>
    public static bool IsWaiting(LockWaiter waiter, DateTimeOffset now) => now - waiter.SeenAt < WaiterStaleAfter;

    /// <summary>A waiter to take out of the queue: not seen for <see cref="WaiterStaleAfter"/>, or its process is gone.</summary>
    public bool IsStale(LockWaiter waiter, DateTimeOffset now) =>
        !IsWaiting(waiter, now) || !_processAlive(waiter.Host, waiter.ProcessId, waiter.ProcessStartedAt);

    /// <summary>Live leases of others that stand in the way.</summary>
    public List<LockConflict> Conflicts(IReadOnlyList<Lease> leases, IReadOnlyList<string> resources, string mode, DateTimeOffset now)
    {
        var result = new List<LockConflict>();
        foreach (var lease in leases)
        {
            if (IsMine(lease.Agent, lease.SessionId) || LockMode.Compatible(lease.Mode, mode) || StaleReason(lease, now) is not null) continue;
            foreach (string wanted in resources)
                foreach (string held in lease.Resources.Where(h => ResourcePath.Overlaps(wanted, h)))
                    result.Add(new LockConflict
                    {
                        Requested = wanted, HeldResource = held, Agent = lease.Agent, LeaseId = lease.LeaseId, Mode = lease.Mode,
                        Since = lease.AcquiredAt, Until = lease.ExpiresAt,
                    });
        }
        return result;
    }

    /// <summary>Waiters of others still waiting, queued before <paramref name="queueNumber"/> (all of them when null), whose requests overlap: they are served first.</summary>
    public IEnumerable<LockConflict> QueuedAhead(IReadOnlyList<LockWaiter> waiters, IReadOnlyList<string> resources, string mode, long? queueNumber, DateTimeOffset now)
    {
        foreach (var w in waiters)
        {
            if ((queueNumber is { } mine && w.QueueNumber >= mine) || IsMine(w.Agent, w.SessionId) || LockMode.Compatible(w.Mode, mode) || !IsWaiting(w, now)) continue;
            foreach (string wanted in resources)
            {
                string? overlapping = w.Resources.FirstOrDefault(r => ResourcePath.Overlaps(wanted, r));
                if (overlapping is null) continue;
                yield return new LockConflict { Requested = wanted, HeldResource = overlapping, Agent = w.Agent, Mode = w.Mode, Since = w.EnqueuedAt, Queued = true };
                break;
            }
        }
    }
}
