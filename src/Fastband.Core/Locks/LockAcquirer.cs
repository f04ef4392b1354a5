using System.Diagnostics;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;

namespace Fastband.Core.Locks;

/// <summary>
/// Acquiring: the waiting loop that drives <see cref="LockRules.Decide"/>. Each attempt is one store transaction
/// (stale leases reclaimed, stale waiters dropped, then the decision carried out: the lease granted, the request
/// queued, or the refusal recorded). Between attempts a queued waiter only reads, and only when something may have
/// changed: on Linux it sleeps on its doorbell (<see cref="LockWake"/>), which a releaser rings, and on the pidfds of
/// the local processes in its way, until the lease in its way expires, or at the latest after <see cref="FallbackPoll"/>;
/// where no doorbell can be had, and while anyone in its way is on another host (who cannot ring it), it polls
/// as before: often when it is first in line, rarely behind. It shows itself every heartbeat, and leaves the queue
/// whatever ends the wait: a grant, a refusal once its wait ran out, a hold posted meanwhile, cancellation or a failure.
/// </summary>
internal sealed class LockAcquirer(ILockStore store, LockRules rules, CallerIdentity caller, string? session, DirectiveBoard directives, TimeProvider clock, LockWake wake)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);
    private const int MaxDirectiveMoves = 20;

    /// <summary>
    /// Whether a grant checks, inside its transaction, that no hold, lift or clearance landed since the holds were
    /// read (off only in the test that shows what the check prevents).
    /// </summary>
    internal bool FenceHolds { get; set; } = true;

    /// <summary>Runs between reading the holds and the grant's transaction (tests post a hold there).</summary>
    internal Action? AfterHoldCheck { get; set; }

    /// <summary>
    /// How long a waiter sleeping on its doorbell goes at most without looking at the lock state: what a lost ring
    /// costs. Tests make it long, to show that the ring, not the poll, ends the wait.
    /// </summary>
    internal TimeSpan FallbackPoll { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Grants <paramref name="request"/> on <paramref name="resources"/> (normalized), or refuses it with who stands in the way,
    /// after waiting in the queue for at most its <see cref="LockRequest.Wait"/>.
    /// </summary>
    public LockResult Acquire(IReadOnlyList<string> resources, LockRequest request, CancellationToken cancellation)
    {
        var ttl = request.Ttl ?? LockService.DefaultTtl;
        if (ttl <= TimeSpan.Zero) throw new InvalidInputException("InvalidTtl", "The TTL must be positive, such as 30m or 1h.");
        if (request.Wait < TimeSpan.Zero) throw new InvalidInputException("InvalidWait", "The wait cannot be negative: use 0 to try once.");
        string mode = request.Shared ? LockMode.Shared : LockMode.Exclusive;

        int? pid = null;
        DateTimeOffset? started = null;
        if (request.OwnerProcessId is { } ownerPid)
        {
            // 0 and negative pids name no process (a kill(2) target group at most): a lease tied to one would be dead at once.
            pid = ownerPid;
            started = (ownerPid > 0 ? ProcessLiveness.StartTimeOf(ownerPid) : null) ?? throw new InvalidInputException("OwnerNotRunning",
                $"No process {ownerPid} is running on this host: pass the pid of the live process the lock should live as long as.");
        }
        else if (request.TieToCaller)
        {
            pid = caller.ProcessId;
            started = caller.ProcessStartedAt;
        }

        long mark = ThrowIfHeld(request.TicketId);
        bool recheck = false;
        int moves = 0;

        var watch = Stopwatch.StartNew();
        var deadline = clock.GetUtcNow() + request.Wait;
        var reclaimed = new List<ReclaimedLease>();
        long? queueNumber = null;
        var waiting = new Waiting();
        try
        {
            while (true)
            {
                var now = clock.GetUtcNow();
                bool mayWait = now < deadline && !cancellation.IsCancellationRequested;
                // Between attempts a waiter only reads, and writes only its heartbeat; it tries again when a grant looks possible.
                if (queueNumber is { } queued && mayWait)
                {
                    if (now >= waiting.HeartbeatDue)
                    {
                        // A hold posted while this request waits refuses it as one posted before would (the finally leaves the queue).
                        mark = ThrowIfHeld(request.TicketId);
                        store.Write(tx => { tx.TouchWaiter(queued, now); return 0; });
                        waiting.HeartbeatDue = now + Heartbeat;
                    }
                    if (waiting.TryNow) waiting.TryNow = false; // rung: the ringer saw it could be granted, so try at once
                    else
                    {
                        if (!waiting.LookNow && now < waiting.NextLook)
                        {
                            Pause(waiting, Min(waiting.NextLook, waiting.HeartbeatDue, deadline) - now, cancellation);
                            continue;
                        }
                        waiting.LookNow = false;
                        var queue = store.Waiters();
                        var look = Look(store.Leases(), queue, resources, mode, queued, now, judgeWaiters: true);
                        if (look.Blocked)
                        {
                            WaitFor(waiting, look, now);
                            continue;
                        }
                    }
                }
                // A hold posted while this request waits refuses it as one posted before would: a waiter is
                // never granted what a newcomer would be refused. (The finally below leaves the queue.)
                if (queueNumber is not null || recheck) mark = ThrowIfHeld(request.TicketId);
                recheck = false;
                int reclaimedBefore = reclaimed.Count;
                var step = store.Write(tx =>
                {
                    // The holds were read before this transaction took the writer lock: if a directive landed since,
                    // decide nothing and read them again, so a grant never rests on a hold check it has outlived.
                    if (FenceHolds && tx.DirectiveHighWater() != mark) return new Step(null, null, false, null);
                    var leases = tx.ReclaimStale(rules, tx.Leases(), now, reclaimed);
                    var waiters = tx.DropStaleWaiters(rules, now, queueNumber, out int dropped);
                    var decision = rules.Decide(new LockAsk(resources, mode, queueNumber), leases, waiters, now, mayWait);
                    bool freed = dropped > 0 || reclaimed.Count > reclaimedBefore;
                    switch (decision.Verdict)
                    {
                        case LockVerdict.AlreadyHeld:
                            if (queueNumber is { } held) tx.DeleteWaiter(held);
                            return new Step(decision, decision.Held, freed || queueNumber is not null, null);
                        case LockVerdict.Grant:
                            var lease = Grant(tx, resources, mode, ttl, pid, started, request.Reason, now);
                            if (queueNumber is { } granted) tx.DeleteWaiter(granted);
                            return new Step(decision, lease, freed, null);
                        case LockVerdict.Queue:
                            if (queueNumber is { } touched) tx.TouchWaiter(touched, now);
                            else queueNumber = tx.Enqueue(new LockWaiter
                            {
                                Agent = caller.Agent, SessionId = session, Resources = resources, Mode = mode, Host = caller.Host,
                                ProcessId = caller.ProcessId, ProcessStartedAt = caller.ProcessStartedAt, EnqueuedAt = now, SeenAt = now,
                            });
                            // What stands in the way, from the rows this transaction read: how to sleep until it may move.
                            return new Step(decision, null, freed, Look(leases, waiters, resources, mode, queueNumber.Value, now, judgeWaiters: false));
                        default:
                            bool left = queueNumber is not null;
                            if (queueNumber is { } queuedBefore) tx.DeleteWaiter(queuedBefore);
                            queueNumber = null;
                            tx.Record(new LockEvent
                            {
                                At = now, Action = "refused", Agent = caller.Agent, Resources = resources,
                                Detail = string.Join("; ", decision.Conflicts.Select(c => c.ToString())),
                            });
                            return new Step(decision, null, freed || left, null);
                    }
                });
                // Committed: whoever this attempt let through (stale rows taken out, this waiter gone) is rung.
                if (step.Freed) wake.RingNext();
                if (step.Decision is null)
                {
                    if (++moves == MaxDirectiveMoves)
                        throw new BlockedException("CoordinationBusy", $"Holds and clearances changed during each of {MaxDirectiveMoves} attempts to lock {string.Join(", ", resources)}, so the lock was not taken: try again.");
                    recheck = true;
                    continue;
                }
                if (step.Decision.Verdict == LockVerdict.Queue)
                {
                    waiting.HeartbeatDue = now + Heartbeat;
                    if (waiting.Doorbell is null && !waiting.Joined)
                    {
                        waiting.Joined = true;
                        waiting.Doorbell = wake.Join(queueNumber!.Value);
                        if (waiting.Doorbell is { } bell) waiting.Cancel = cancellation.Register(bell.Poke);
                        // Bound after the attempt read the state: look once more before sleeping, so that a release
                        // committed in between (which rang nobody) is not slept through.
                        waiting.LookNow = waiting.Doorbell is not null;
                    }
                    WaitFor(waiting, step.Blocking!, now);
                    continue;
                }
                queueNumber = null;
                bool alreadyHeld = step.Decision.Verdict == LockVerdict.AlreadyHeld;
                return step.Lease is { } grantedLease
                    ? new LockResult
                    {
                        Lease = grantedLease, AlreadyHeld = alreadyHeld, Reclaimed = reclaimed, Waited = watch.Elapsed,
                        Message = (alreadyHeld ? "Already held: " : "Granted: ") + grantedLease,
                    }
                    : new LockResult
                    {
                        Conflicts = step.Decision.Conflicts, Reclaimed = reclaimed, Waited = watch.Elapsed,
                        Message = $"Refused{(request.Wait > TimeSpan.Zero ? $" after waiting {TimeSpec.Humanize(watch.Elapsed)}" : "")}: "
                                  + string.Join("; ", step.Decision.Conflicts.Select(c => c.ToString())),
                    };
            }
        }
        finally
        {
            waiting.Dispose();
            if (queueNumber is { } abandoned) // cancelled or failed mid-wait
            {
                store.Write(tx => { tx.DeleteWaiter(abandoned); return 0; });
                wake.RingNext();
            }
        }
    }

    /// <summary>One attempt's outcome: null decision when the holds moved; <see cref="Freed"/> when others may now be let through.</summary>
    private sealed record Step(LockDecision? Decision, Lease? Lease, bool Freed, Blocking? Blocking);

    /// <summary>What stands in a queued request's way, as far as waiting for it goes.</summary>
    /// <param name="Blocked">Would the grant be refused now?</param>
    /// <param name="FirstInLine">Nobody queued ahead stands in the way (only leases do).</param>
    /// <param name="Remote">Someone in the way is on another host: no ring will come from them.</param>
    /// <param name="Until">When the first lease in the way expires, if any does.</param>
    /// <param name="Processes">The processes on this host in the way (tied leases' owners, waiters ahead), to watch for their exit.</param>
    private sealed record Blocking(bool Blocked, bool FirstInLine, bool Remote, DateTimeOffset? Until, IReadOnlyList<int> Processes);

    /// <summary>A queued request's waiting state between attempts: its doorbell and watched processes, and when to look or show itself next.</summary>
    private sealed class Waiting : IDisposable
    {
        public WakeSocket? Doorbell;
        public bool Joined;
        public CancellationTokenRegistration Cancel;
        public readonly ProcessWatch Processes = new();
        public DateTimeOffset HeartbeatDue = DateTimeOffset.MaxValue;
        public DateTimeOffset NextLook = DateTimeOffset.MinValue;
        public bool LookNow;
        public bool TryNow;

        public void Dispose()
        {
            Cancel.Dispose();
            Doorbell?.Dispose();
            Processes.Dispose();
        }
    }

    /// <summary>Sets when to look next, given what blocks the request: the fallback poll on a doorbell, today's polling without one or when a blocker is remote.</summary>
    private void WaitFor(Waiting waiting, Blocking blocking, DateTimeOffset now)
    {
        var poll = waiting.Doorbell is null || blocking.Remote ? (blocking.FirstInLine ? FirstInLinePoll : BackOfLinePoll) : FallbackPoll;
        waiting.NextLook = now + poll;
        if (blocking.Until is { } until && until < waiting.NextLook) waiting.NextLook = until;
        if (waiting.Doorbell is not null && waiting.Processes.Set(blocking.Processes)) waiting.LookNow = true; // one is gone already
    }

    /// <summary>Sleeps at most <paramref name="span"/>: on the doorbell and the watched processes when there is a doorbell, else plainly.</summary>
    private static void Pause(Waiting waiting, TimeSpan span, CancellationToken cancellation)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (waiting.Doorbell is not { } bell)
        {
            cancellation.WaitHandle.WaitOne(span);
            return;
        }
        switch (bell.Wait(span, waiting.Processes.Fds, out int exited))
        {
            case WakeReason.Woken:
                waiting.TryNow = true;
                break;
            case WakeReason.ProcessExited:
                waiting.Processes.Exited(exited);
                waiting.LookNow = true;
                break;
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b, DateTimeOffset c) => a < b ? (a < c ? a : c) : (b < c ? b : c);

    /// <summary>
    /// Who stands in the way of queued request <paramref name="queueNumber"/>, by the rules: live leases of others, and
    /// waiters queued ahead. With <paramref name="judgeWaiters"/>, a waiter ahead that the next attempt would drop as stale
    /// (its process gone) is not counted, so that such an attempt is made (a transaction's own rows are judged already).
    /// </summary>
    private Blocking Look(IReadOnlyList<Lease> leases, IReadOnlyList<LockWaiter> waiters, IReadOnlyList<string> resources, string mode, long queueNumber, DateTimeOffset now, bool judgeWaiters)
    {
        var holders = rules.Conflicts(leases, resources, mode, now);
        List<LockWaiter>? ahead = null;
        foreach (var w in waiters)
        {
            if (w.QueueNumber >= queueNumber) break; // in queue order
            if (!rules.QueuedAhead(new[] { w }, resources, mode, queueNumber, now).Any()) continue;
            if (judgeWaiters && rules.IsStale(w, now)) continue;
            (ahead ??= new List<LockWaiter>()).Add(w);
        }
        if (holders.Count == 0 && ahead is null) return new Blocking(false, true, false, null, Array.Empty<int>());

        bool remote = false;
        DateTimeOffset? until = null;
        var processes = new List<int>();
        foreach (var c in holders)
        {
            var lease = leases.First(l => l.LeaseId == c.LeaseId);
            if (until is null || lease.ExpiresAt < until) until = lease.ExpiresAt;
            if (!IsHere(lease.Host)) remote = true;
            else if (lease.ProcessId is { } owner) AddProcess(processes, owner);
        }
        foreach (var w in ahead ?? Enumerable.Empty<LockWaiter>())
        {
            if (!IsHere(w.Host)) remote = true;
            else AddProcess(processes, w.ProcessId);
        }
        return new Blocking(true, ahead is null, remote, until, processes);
    }

    private bool IsHere(string host) => string.Equals(host, caller.Host, StringComparison.OrdinalIgnoreCase);

    private void AddProcess(List<int> processes, int pid)
    {
        if (pid != caller.ProcessId && !processes.Contains(pid)) processes.Add(pid);
    }

    /// <summary>Refuses while a hold covers the caller; otherwise returns the directives' mark the grant must still see.</summary>
    private long ThrowIfHeld(string? ticketId)
    {
        var (holds, mark) = directives.BlockingHoldsFenced(caller.Agent, ticketId);
        if (holds.Count > 0)
            throw new BlockedException("HoldInForce",
                $"{caller.Agent} may not take locks: hold {holds[^1].Id} by {holds[^1].IssuedBy} is in force ({holds[^1].Reason}); wait for the lift or ask for clearance.");
        AfterHoldCheck?.Invoke();
        return mark;
    }

    private static readonly TimeSpan FirstInLinePoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan BackOfLinePoll = TimeSpan.FromMilliseconds(25);

    private Lease Grant(ILockTransaction tx, IReadOnlyList<string> resources, string mode, TimeSpan ttl, int? pid, DateTimeOffset? started, string? reason, DateTimeOffset now)
    {
        long token = tx.NextFencingToken();
        var lease = new Lease
        {
            LeaseId = "lease-" + RandomIds.Hex(8),
            FencingToken = token, Resources = resources, Mode = mode, Agent = caller.Agent, SessionId = session,
            Host = caller.Host, ProcessId = pid, ProcessStartedAt = started, Reason = reason,
            AcquiredAt = now, RenewedAt = now, ExpiresAt = now + ttl,
        };
        tx.InsertLease(lease);
        foreach (string r in resources) tx.SetResourceToken(r, token);
        tx.TouchAgent(new AgentTouch(caller.Agent, caller.Host, caller.ProcessId, caller.ProcessStartedAt), now);
        tx.Record(new LockEvent { At = now, Action = "acquired", LeaseId = lease.LeaseId, Agent = lease.Agent, Resources = resources, FencingToken = token, Detail = reason });
        return lease;
    }
}
