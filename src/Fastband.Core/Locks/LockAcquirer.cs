using System.Diagnostics;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;

namespace Fastband.Core.Locks;

/// <summary>
/// Acquiring: the waiting loop that drives <see cref="LockRules.Decide"/>. Each attempt is one store transaction
/// (stale leases reclaimed, stale waiters dropped, then the decision carried out: the lease granted, the request
/// queued, or the refusal recorded). Between attempts a queued waiter only reads, often when it is first in line
/// and rarely behind, shows itself every heartbeat, and leaves the queue whatever ends the wait: a grant, a
/// refusal once its wait ran out, a hold posted meanwhile, cancellation or a failure.
/// </summary>
internal sealed class LockAcquirer(ILockStore store, LockRules rules, CallerIdentity caller, string? session, DirectiveBoard directives, TimeProvider clock)
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
        var lastHeartbeat = DateTimeOffset.MinValue;
        try
        {
            while (true)
            {
                var now = clock.GetUtcNow();
                bool mayWait = now < deadline && !cancellation.IsCancellationRequested;
                // Between heartbeats a waiter only reads; it writes when a grant looks possible. Only the
                // first waiter in line can be granted next, so it looks often and the others rarely.
                if (queueNumber is not null && mayWait && now - lastHeartbeat < Heartbeat)
                {
                    var (blocked, first) = Peek(resources, mode, queueNumber.Value, now);
                    if (blocked)
                    {
                        Sleep(first ? FirstInLinePoll : BackOfLinePoll, deadline - now, cancellation);
                        continue;
                    }
                }
                // A hold posted while this request waits refuses it as one posted before would: a waiter is
                // never granted what a newcomer would be refused. (The finally below leaves the queue.)
                if (queueNumber is not null || recheck) mark = ThrowIfHeld(request.TicketId);
                recheck = false;
                var step = store.Write(tx =>
                {
                    // The holds were read before this transaction took the writer lock: if a directive landed since,
                    // decide nothing and read them again, so a grant never rests on a hold check it has outlived.
                    if (FenceHolds && tx.DirectiveHighWater() != mark) return (Decision: (LockDecision?)null, Lease: (Lease?)null);
                    var leases = tx.ReclaimStale(rules, tx.Leases(), now, reclaimed);
                    tx.DropStaleWaiters(rules, now, queueNumber);
                    var decision = rules.Decide(new LockAsk(resources, mode, queueNumber), leases, tx.Waiters(), now, mayWait);
                    switch (decision.Verdict)
                    {
                        case LockVerdict.AlreadyHeld:
                            if (queueNumber is { } held) tx.DeleteWaiter(held);
                            return (Decision: decision, Lease: decision.Held);
                        case LockVerdict.Grant:
                            var lease = Grant(tx, resources, mode, ttl, pid, started, request.Reason, now);
                            if (queueNumber is { } granted) tx.DeleteWaiter(granted);
                            return (Decision: decision, Lease: (Lease?)lease);
                        case LockVerdict.Queue:
                            if (queueNumber is { } waiting) tx.TouchWaiter(waiting, now);
                            else queueNumber = tx.Enqueue(new LockWaiter
                            {
                                Agent = caller.Agent, SessionId = session, Resources = resources, Mode = mode, Host = caller.Host,
                                ProcessId = caller.ProcessId, ProcessStartedAt = caller.ProcessStartedAt, EnqueuedAt = now, SeenAt = now,
                            });
                            return (Decision: decision, Lease: null);
                        default:
                            if (queueNumber is { } queued) tx.DeleteWaiter(queued);
                            queueNumber = null;
                            tx.Record(new LockEvent
                            {
                                At = now, Action = "refused", Agent = caller.Agent, Resources = resources,
                                Detail = string.Join("; ", decision.Conflicts.Select(c => c.ToString())),
                            });
                            return (Decision: decision, Lease: null);
                    }
                });
                if (step.Decision is null)
                {
                    if (++moves == MaxDirectiveMoves)
                        throw new BlockedException("CoordinationBusy", $"Holds and clearances changed during each of {MaxDirectiveMoves} attempts to lock {string.Join(", ", resources)}, so the lock was not taken: try again.");
                    recheck = true;
                    continue;
                }
                if (step.Decision.Verdict == LockVerdict.Queue)
                {
                    lastHeartbeat = now;
                    Sleep(FirstInLinePoll, deadline - now, cancellation);
                    continue;
                }
                queueNumber = null;
                bool alreadyHeld = step.Decision.Verdict == LockVerdict.AlreadyHeld;
                return step.Lease is { } granted
                    ? new LockResult
                    {
                        Lease = granted, AlreadyHeld = alreadyHeld, Reclaimed = reclaimed, Waited = watch.Elapsed,
                        Message = (alreadyHeld ? "Already held: " : "Granted: ") + granted,
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
            if (queueNumber is { } abandoned) store.Write(tx => { tx.DeleteWaiter(abandoned); return 0; }); // cancelled or failed mid-wait
        }
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

    private static void Sleep(TimeSpan poll, TimeSpan left, CancellationToken cancellation)
    {
        var span = left < poll ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : poll;
        cancellation.WaitHandle.WaitOne(span);
    }

    private static readonly TimeSpan FirstInLinePoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan BackOfLinePoll = TimeSpan.FromMilliseconds(25);

    /// <summary>A read-only look: would the grant still be refused, and is this waiter first in line?</summary>
    private (bool Blocked, bool FirstInLine) Peek(IReadOnlyList<string> resources, string mode, long queueNumber, DateTimeOffset now)
    {
        bool ahead = rules.QueuedAhead(store.Waiters(), resources, mode, queueNumber, now).Any();
        return (ahead || rules.Conflicts(store.Leases(), resources, mode, now).Count > 0, !ahead);
    }

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
