using System.Diagnostics;
using System.Security.Cryptography;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;

namespace Fastband.Core.Locks;

/// <summary>What an agent asks to lock.</summary>
public sealed record LockRequest
{
    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();
    public bool Shared { get; init; }

    /// <summary>How long the lease lasts without renewal. Default 1 h.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>How long to wait in the queue before giving up. Default: try once.</summary>
    public TimeSpan Wait { get; init; }

    /// <summary>Tie the lease to this process on this host: it ends when the process dies.</summary>
    public int? OwnerProcessId { get; init; }

    /// <summary>Tie the lease to the calling process (a pwsh session holding a handle).</summary>
    public bool TieToCaller { get; init; }
    public string? Reason { get; init; }

    /// <summary>The ticket the work is for: a clearance for it lets the caller lock despite a hold.</summary>
    public string? TicketId { get; init; }
}

/// <summary>
/// Locks as leases. A lease outlives the process that took it (agents run one short process per tool call)
/// and ends at its TTL, on renewal's absence, on release, on a break, or when the process it is tied to dies
/// on this host (pid and start time). Grants are all-or-nothing and queued first come, first served.
/// </summary>
public sealed class LockService : Board.ILockBoardSource
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    /// <summary>A waiter that has not shown itself for this long (its process died mid-wait) leaves the queue.</summary>
    internal static readonly TimeSpan WaiterStaleAfter = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private readonly IFastbandStore _store;
    private readonly CallerIdentity _caller;
    private readonly DirectiveBoard _directives;
    private readonly OpsLogService _opsLog;
    private readonly string _root;
    private readonly TimeProvider _clock;

    internal LockService(IFastbandStore store, CallerIdentity caller, DirectiveBoard directives, OpsLogService opsLog, string projectRoot, TimeProvider clock)
    {
        _store = store;
        _caller = caller;
        _directives = directives;
        _opsLog = opsLog;
        _root = projectRoot;
        _clock = clock;
    }

    /// <summary>Told when a lock is broken, so the previous holder can be sent a message.</summary>
    public Action<Lease, string>? OnBroken { get; set; }

    public string? Session { get; init; }

    public IReadOnlyList<string> Normalize(IEnumerable<string> paths)
    {
        var list = paths.Select(p => ResourcePath.Normalize(p, _root)).Distinct(StringComparer.Ordinal).ToArray();
        if (list.Length == 0)
            throw new InvalidInputException("NoResources", "Name at least one path to lock: a file, a folder or a glob such as src/** .");
        return list;
    }

    // ------------------------------------------------------------------ acquire

    public LockResult Acquire(LockRequest request, CancellationToken cancellation = default)
    {
        var resources = Normalize(request.Resources);
        var ttl = request.Ttl ?? DefaultTtl;
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
            pid = _caller.ProcessId;
            started = _caller.ProcessStartedAt;
        }

        ThrowIfHeld(request.TicketId);

        var watch = Stopwatch.StartNew();
        var deadline = _clock.GetUtcNow() + request.Wait;
        var reclaimed = new List<ReclaimedLease>();
        long? ticket = null;
        var lastHeartbeat = DateTimeOffset.MinValue;
        try
        {
            while (true)
            {
                var now = _clock.GetUtcNow();
                bool mayWait = now < deadline && !cancellation.IsCancellationRequested;
                // Between heartbeats a waiter only reads; it writes when a grant looks possible. Only the
                // first waiter in line can be granted next, so it looks often and the others rarely.
                if (ticket is not null && mayWait && now - lastHeartbeat < Heartbeat)
                {
                    var (blocked, first) = Peek(resources, mode, ticket.Value, now);
                    if (blocked)
                    {
                        Sleep(first ? FirstInLinePoll : BackOfLinePoll, deadline - now, cancellation);
                        continue;
                    }
                }
                // A hold posted while this request waits refuses it as one posted before would: a waiter is
                // never granted what a newcomer would be refused. (The finally below leaves the queue.)
                if (ticket is not null) ThrowIfHeld(request.TicketId);
                var step = _store.Locks.Write(tx =>
                {
                    var leases = ReclaimStale(tx, tx.Leases(), now, reclaimed);
                    DropStaleWaiters(tx, now, ticket);
                    var mine = leases.FirstOrDefault(l => IsMine(l.Agent, l.Session) && Covers(l, resources, mode));
                    if (mine is not null)
                    {
                        if (ticket is { } t) tx.DeleteWaiter(t);
                        return (Lease: mine, AlreadyHeld: true, Conflicts: (IReadOnlyList<LockConflict>)Array.Empty<LockConflict>(), Queued: false);
                    }
                    var conflicts = Conflicts(leases, resources, mode, now)
                        .Concat(QueuedAhead(tx.Waiters(), resources, mode, ticket)).ToList();
                    if (conflicts.Count == 0)
                    {
                        var lease = Grant(tx, resources, mode, ttl, pid, started, request.Reason, now);
                        if (ticket is { } t) tx.DeleteWaiter(t);
                        return (Lease: lease, AlreadyHeld: false, Conflicts: (IReadOnlyList<LockConflict>)conflicts, Queued: false);
                    }
                    if (mayWait)
                    {
                        if (ticket is { } t) tx.TouchWaiter(t, now);
                        else ticket = tx.Enqueue(new LockWaiter
                        {
                            Agent = _caller.Agent, Session = Session, Resources = resources, Mode = mode, Host = _caller.Host,
                            ProcessId = _caller.ProcessId, ProcessStartedAt = _caller.ProcessStartedAt, EnqueuedAt = now, SeenAt = now,
                        });
                        return (Lease: (Lease?)null, AlreadyHeld: false, Conflicts: (IReadOnlyList<LockConflict>)conflicts, Queued: true);
                    }
                    if (ticket is { } queued) tx.DeleteWaiter(queued);
                    ticket = null;
                    tx.Record(new LockEvent
                    {
                        At = now, Action = "refused", Agent = _caller.Agent, Resources = resources,
                        Detail = string.Join("; ", conflicts.Select(c => c.ToString())),
                    });
                    return (Lease: (Lease?)null, AlreadyHeld: false, Conflicts: (IReadOnlyList<LockConflict>)conflicts, Queued: false);
                });
                if (step.Queued)
                {
                    lastHeartbeat = now;
                    Sleep(FirstInLinePoll, deadline - now, cancellation);
                    continue;
                }
                ticket = null;
                return step.Lease is { } granted
                    ? new LockResult
                    {
                        Lease = granted, AlreadyHeld = step.AlreadyHeld, Reclaimed = reclaimed, Waited = watch.Elapsed,
                        Message = (step.AlreadyHeld ? "Already held: " : "Granted: ") + granted,
                    }
                    : new LockResult
                    {
                        Conflicts = step.Conflicts, Reclaimed = reclaimed, Waited = watch.Elapsed,
                        Message = $"Refused{(request.Wait > TimeSpan.Zero ? $" after waiting {TimeSpec.Humanize(watch.Elapsed)}" : "")}: "
                                  + string.Join("; ", step.Conflicts.Select(c => c.ToString())),
                    };
            }
        }
        finally
        {
            if (ticket is { } abandoned) _store.Locks.Write(tx => { tx.DeleteWaiter(abandoned); return 0; }); // cancelled or failed mid-wait
        }
    }

    private void ThrowIfHeld(string? ticketId)
    {
        var holds = _directives.BlockingHolds(_caller.Agent, ticketId);
        if (holds.Count > 0)
            throw new BlockedException("HoldInForce",
                $"{_caller.Agent} may not take locks: hold {holds[^1].Id} by {holds[^1].IssuedBy} is in force ({holds[^1].Reason}); wait for the lift or ask for clearance.");
    }

    private static void Sleep(TimeSpan poll, TimeSpan left, CancellationToken cancellation)
    {
        var span = left < poll ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : poll;
        cancellation.WaitHandle.WaitOne(span);
    }

    private static readonly TimeSpan FirstInLinePoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan BackOfLinePoll = TimeSpan.FromMilliseconds(25);

    /// <summary>A read-only look: would the grant still be refused, and is this waiter first in line?</summary>
    private (bool Blocked, bool FirstInLine) Peek(IReadOnlyList<string> resources, string mode, long ticket, DateTimeOffset now)
    {
        bool ahead = QueuedAhead(_store.Locks.Waiters().Where(w => now - w.SeenAt < WaiterStaleAfter).ToList(), resources, mode, ticket).Any();
        return (ahead || Conflicts(_store.Locks.Leases(), resources, mode, now).Count > 0, !ahead);
    }

    private Lease Grant(ILockTransaction tx, IReadOnlyList<string> resources, string mode, TimeSpan ttl, int? pid, DateTimeOffset? started, string? reason, DateTimeOffset now)
    {
        long token = tx.NextFencingToken();
        var lease = new Lease
        {
            LeaseId = "lease-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(),
            FencingToken = token, Resources = resources, Mode = mode, Agent = _caller.Agent, Session = Session,
            Host = _caller.Host, ProcessId = pid, ProcessStartedAt = started, Reason = reason,
            AcquiredAt = now, RenewedAt = now, ExpiresAt = now + ttl,
        };
        tx.InsertLease(lease);
        foreach (string r in resources) tx.SetResourceToken(r, token);
        tx.TouchAgent(new AgentTouch(_caller.Agent, _caller.Host, _caller.ProcessId, _caller.ProcessStartedAt), now);
        tx.Record(new LockEvent { At = now, Action = "acquired", LeaseId = lease.LeaseId, Agent = lease.Agent, Resources = resources, FencingToken = token, Detail = reason });
        return lease;
    }

    private bool IsMine(string agent, string? session) =>
        string.Equals(agent, _caller.Agent, StringComparison.OrdinalIgnoreCase) && session == Session;

    /// <summary>Does a lease of the caller already give it every resource asked for, in a mode at least as strong?</summary>
    private static bool Covers(Lease lease, IReadOnlyList<string> resources, string mode) =>
        (lease.Mode == LockMode.Exclusive || mode == LockMode.Shared)
        && resources.All(r => lease.Resources.Contains(r, StringComparer.Ordinal));

    /// <summary>Live leases of others that stand in the way.</summary>
    private List<LockConflict> Conflicts(IReadOnlyList<Lease> leases, IReadOnlyList<string> resources, string mode, DateTimeOffset now)
    {
        var result = new List<LockConflict>();
        foreach (var lease in leases)
        {
            if (IsMine(lease.Agent, lease.Session) || StaleReason(lease, now) is not null || LockMode.Compatible(lease.Mode, mode)) continue;
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

    /// <summary>Earlier waiters of others whose requests overlap: they are served first.</summary>
    private IEnumerable<LockConflict> QueuedAhead(IReadOnlyList<LockWaiter> waiters, IReadOnlyList<string> resources, string mode, long? ticket)
    {
        foreach (var w in waiters)
        {
            if ((ticket is { } mine && w.Ticket >= mine) || IsMine(w.Agent, w.Session) || LockMode.Compatible(w.Mode, mode)) continue;
            foreach (string wanted in resources)
            {
                string? overlapping = w.Resources.FirstOrDefault(r => ResourcePath.Overlaps(wanted, r));
                if (overlapping is null) continue;
                yield return new LockConflict { Requested = wanted, HeldResource = overlapping, Agent = w.Agent, Mode = w.Mode, Since = w.EnqueuedAt, Queued = true };
                break;
            }
        }
    }

    /// <summary>Why a lease no longer holds anything, or null if it is live. A pid is judged only on the caller's own host.</summary>
    private string? StaleReason(Lease lease, DateTimeOffset now)
    {
        if (now >= lease.ExpiresAt) return "expired";
        if (lease.ProcessId is { } pid && !ProcessLiveness.IsAlive(lease.Host, pid, lease.ProcessStartedAt, _caller.Host)) return "process-dead";
        return null;
    }

    /// <summary>Deletes the stale leases among <paramref name="leases"/> (recording each) and returns the live ones.</summary>
    private List<Lease> ReclaimStale(ILockTransaction tx, IReadOnlyList<Lease> leases, DateTimeOffset now, List<ReclaimedLease> reclaimed)
    {
        var live = new List<Lease>(leases.Count);
        foreach (var lease in leases)
        {
            if (StaleReason(lease, now) is not { } why)
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

    private void DropStaleWaiters(ILockTransaction tx, DateTimeOffset now, long? keep)
    {
        foreach (var w in tx.Waiters())
        {
            if (w.Ticket == keep) continue;
            if (now - w.SeenAt >= WaiterStaleAfter || !ProcessLiveness.IsAlive(w.Host, w.ProcessId, w.ProcessStartedAt, _caller.Host)) tx.DeleteWaiter(w.Ticket);
        }
    }

    // ------------------------------------------------------------------ renew, release, break

    /// <summary>Extends a lease by its own duration (or <paramref name="ttl"/>). A lost lease is reported at once.</summary>
    public Lease Renew(string leaseId, TimeSpan? ttl = null)
    {
        if (ttl is { } t && t <= TimeSpan.Zero) throw new InvalidInputException("InvalidTtl", "The TTL must be positive, such as 30m or 1h.");
        var now = _clock.GetUtcNow();
        var renewed = _store.Locks.Write(tx =>
        {
            var lease = tx.Lease(leaseId);
            if (lease is null || StaleReason(lease, now) is not null) return null;
            var expires = now + (ttl ?? lease.ExpiresAt - lease.RenewedAt);
            tx.SetExpiry(leaseId, now, expires);
            tx.Record(new LockEvent { At = now, Action = "renewed", LeaseId = leaseId, Agent = lease.Agent, Resources = lease.Resources, FencingToken = lease.FencingToken });
            return new Lease
            {
                LeaseId = lease.LeaseId, FencingToken = lease.FencingToken, Resources = lease.Resources, Mode = lease.Mode, Agent = lease.Agent,
                Session = lease.Session, Host = lease.Host, ProcessId = lease.ProcessId, ProcessStartedAt = lease.ProcessStartedAt,
                Reason = lease.Reason, AcquiredAt = lease.AcquiredAt, RenewedAt = now, ExpiresAt = expires,
            };
        });
        return renewed ?? throw new BlockedException("LeaseLost", $"Lease {leaseId} is lost: {Fate(leaseId, now)}; acquire the lock again.");
    }

    /// <summary>What became of a lease that is gone, in words.</summary>
    private string Fate(string leaseId, DateTimeOffset now)
    {
        var lease = _store.Locks.Leases().FirstOrDefault(l => l.LeaseId == leaseId);
        if (lease is not null && StaleReason(lease, now) is { } why)
            return why == "expired" ? $"it expired at {TimeSpec.Display(lease.ExpiresAt)} UTC" : "the process it was tied to has exited";
        var last = _store.Locks.LastEvent(leaseId);
        return last?.Action switch
        {
            "released" => $"it was released at {TimeSpec.Display(last.At)} UTC",
            "broken" => $"it was broken at {TimeSpec.Display(last.At)} UTC ({last.Detail})",
            "reclaimed" => $"it was reclaimed at {TimeSpec.Display(last.At)} UTC ({last.Detail})",
            _ => "no such lease was ever granted here",
        };
    }

    /// <summary>
    /// Releases the caller's own lease by id. Releasing twice, or a lease that expired, is harmless. Another
    /// agent's lease is refused: taking it away is a break, which needs a reason and tells the holder.
    /// </summary>
    public ReleaseResult Release(string leaseId)
    {
        var now = _clock.GetUtcNow();
        var (released, foreign) = _store.Locks.Write(tx =>
        {
            var lease = tx.Lease(leaseId);
            if (lease is null) return ((Lease?)null, (Lease?)null);
            // A live lease of another agent is not the caller's to release; an expired one is gone for everyone.
            if (!string.Equals(lease.Agent, _caller.Agent, StringComparison.OrdinalIgnoreCase) && lease.ExpiresAt > now) return (null, lease);
            tx.DeleteLease(leaseId);
            tx.Record(new LockEvent { At = now, Action = "released", LeaseId = leaseId, Agent = lease.Agent, Resources = lease.Resources, FencingToken = lease.FencingToken, Detail = $"by {_caller.Agent}" });
            return (lease, null);
        });
        if (foreign is not null)
            throw new BlockedException("LeaseHeldByOther", $"Lease {leaseId} is held by {foreign.Agent}: use lock break with a reason.");
        return released is null
            ? new ReleaseResult { Message = $"Nothing to release: lease {leaseId} is gone ({Fate(leaseId, now)})." }
            : new ReleaseResult { ReleasedLeaseIds = new[] { leaseId }, Resources = released.Resources, Message = $"Released {leaseId}: {string.Join(", ", released.Resources)}." };
    }

    /// <summary>Releases the caller's own locks on these paths, whichever leases hold them.</summary>
    public ReleaseResult ReleasePaths(IEnumerable<string> paths)
    {
        var wanted = Normalize(paths);
        var now = _clock.GetUtcNow();
        var (ids, resources) = _store.Locks.Write(tx =>
        {
            var ids = new List<string>();
            var freed = new List<string>();
            foreach (var lease in tx.Leases().Where(l => IsMine(l.Agent, l.Session)))
            {
                var mine = lease.Resources.Where(r => wanted.Contains(r, StringComparer.Ordinal)).ToArray();
                if (mine.Length == 0) continue;
                if (mine.Length == lease.Resources.Count) tx.DeleteLease(lease.LeaseId);
                else tx.RemoveResources(lease.LeaseId, mine);
                tx.Record(new LockEvent { At = now, Action = "released", LeaseId = lease.LeaseId, Agent = lease.Agent, Resources = mine, FencingToken = lease.FencingToken, Detail = $"by {_caller.Agent}" });
                ids.Add(lease.LeaseId);
                freed.AddRange(mine);
            }
            return (ids, freed);
        });
        return new ReleaseResult
        {
            ReleasedLeaseIds = ids, Resources = resources,
            Message = resources.Count == 0 ? $"Nothing to release: {_caller.Agent} holds no lock on {string.Join(", ", wanted)}." : $"Released {string.Join(", ", resources)}.",
        };
    }

    /// <summary>
    /// Takes another agent's locks on a path away: recorded in the lock history and the ops log, the holder is
    /// told, and a new fencing token is issued for the resources so the old holder's token fails validation.
    /// </summary>
    public BreakResult Break(string path, string reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
            throw new InvalidInputException("ReasonRequired", "Breaking another agent's lock needs a reason: pass --reason (or -Reason).");
        string target = ResourcePath.Normalize(path, _root);
        var now = _clock.GetUtcNow();
        var (broken, token) = _store.Locks.Write(tx =>
        {
            var victims = ReclaimStale(tx, tx.Leases(), now, new List<ReclaimedLease>()).Where(l => !IsMine(l.Agent, l.Session) && l.Resources.Any(r => ResourcePath.Overlaps(target, r))).ToList();
            long newToken = 0;
            foreach (var lease in victims)
            {
                tx.DeleteLease(lease.LeaseId);
                newToken = tx.NextFencingToken();
                foreach (string r in lease.Resources) tx.SetResourceToken(r, newToken);
                tx.Record(new LockEvent { At = now, Action = "broken", LeaseId = lease.LeaseId, Agent = lease.Agent, Resources = lease.Resources, FencingToken = newToken, Detail = $"by {_caller.Agent}: {reason.Trim()}" });
            }
            return (victims, newToken);
        });
        if (broken.Count == 0)
            throw new NotFoundException("NothingToBreak", $"No other agent holds a live lock on {target}: there is nothing to break.");
        foreach (var lease in broken)
        {
            _opsLog.Write(OpsEventType.StatusUpdate,
                $"LOCK BROKEN: {lease.Agent}'s lease {lease.LeaseId} on {string.Join(", ", lease.Resources)} broken by {_caller.Agent}: {reason.Trim()}", null,
                new Dictionary<string, object?>
                {
                    ["type"] = "lock_broken", ["leaseId"] = lease.LeaseId, ["holder"] = lease.Agent, ["resources"] = lease.Resources,
                    ["reason"] = reason.Trim(), ["newFencingToken"] = token,
                });
            OnBroken?.Invoke(lease, reason.Trim());
        }
        return new BreakResult
        {
            Broken = broken, Reason = reason.Trim(), NewFencingToken = token,
            Message = $"Broke {string.Join(", ", broken.Select(l => $"{l.Agent}'s {l.LeaseId}"))}; fencing token is now {token}.",
        };
    }

    // ------------------------------------------------------------------ reading

    public LockListing List(string? agent = null)
    {
        var now = _clock.GetUtcNow();
        return new LockListing
        {
            Leases = _store.Locks.Leases().Where(l => StaleReason(l, now) is null && (agent is null || string.Equals(l.Agent, agent, StringComparison.OrdinalIgnoreCase))).ToArray(),
            Waiters = _store.Locks.Waiters().Where(w => now - w.SeenAt < WaiterStaleAfter && (agent is null || string.Equals(w.Agent, agent, StringComparison.OrdinalIgnoreCase))).ToArray(),
        };
    }

    /// <summary>Who would stand in the way of the caller taking these paths exclusively now.</summary>
    public IReadOnlyList<LockConflict> Check(IEnumerable<string> paths, bool shared = false) =>
        Conflicts(_store.Locks.Leases(), Normalize(paths), shared ? LockMode.Shared : LockMode.Exclusive, _clock.GetUtcNow());

    /// <summary>The live leases of others on a path (for a handoff request).</summary>
    public IReadOnlyList<Lease> HoldersOf(string path)
    {
        string target = ResourcePath.Normalize(path, _root);
        var now = _clock.GetUtcNow();
        return _store.Locks.Leases().Where(l => StaleReason(l, now) is null && !IsMine(l.Agent, l.Session) && l.Resources.Any(r => ResourcePath.Overlaps(target, r))).ToArray();
    }

    /// <summary>How a handoff request reaches a holder: the project wires it to the message service.</summary>
    public Action<Lease, string>? SendHandoff { get; set; }

    /// <summary>Asks the holders of a path to hand it over, with a handoff_request message to each.</summary>
    public IReadOnlyList<Lease> RequestHandoff(string path, string? note)
    {
        var send = SendHandoff ?? throw new InvalidOperationException("RequestHandoff needs SendHandoff wired (FastbandProject does).");
        var holders = HoldersOf(path);
        if (holders.Count == 0)
            throw new NotFoundException("NothingHeld", $"No other agent holds a live lock on {ResourcePath.Normalize(path, _root)}: take it with 'fastband lock acquire'.");
        foreach (var lease in holders)
            send(lease, $"{_caller.Agent} asks you to hand over {string.Join(", ", lease.Resources)} (lease {lease.LeaseId})" + (string.IsNullOrWhiteSpace(note) ? "." : $": {note.Trim()}"));
        return holders;
    }

    /// <summary>May whoever shows this token still act under this lease?</summary>
    public TokenValidation Validate(string leaseId, long token)
    {
        var now = _clock.GetUtcNow();
        var lease = _store.Locks.Leases().FirstOrDefault(l => l.LeaseId == leaseId);
        string? problem =
            lease is null ? $"lease {leaseId} is gone: {Fate(leaseId, now)}"
            : lease.FencingToken != token ? $"token {token} is not lease {leaseId}'s (it holds {lease.FencingToken})"
            : StaleReason(lease, now) is { } why ? $"lease {leaseId} is stale ({why})"
            : lease.Resources.Select(r => (r, t: _store.Locks.ResourceToken(r))).FirstOrDefault(x => x.t > token) is { r: not null } newer
                ? $"a newer token {newer.t} was issued for {newer.r}"
                : null;
        return new TokenValidation
        {
            LeaseId = leaseId, FencingToken = token, Valid = problem is null,
            Reason = problem is null ? $"Token {token} of lease {leaseId} is valid until {TimeSpec.Display(lease!.ExpiresAt)} UTC." : $"Token {token} is no longer valid: {problem}.",
        };
    }

    /// <summary>Leases still stored that no longer hold anything (expired, or their process died on this host). Reads only.</summary>
    public IReadOnlyList<ReclaimedLease> StaleLeases()
    {
        var now = _clock.GetUtcNow();
        return _store.Locks.Leases().Select(l => (Lease: l, Why: StaleReason(l, now)))
            .Where(x => x.Why is not null).Select(x => new ReclaimedLease { Lease = x.Lease, Why = x.Why! }).ToArray();
    }

    /// <summary>Removes every stale lease (expired, or its process dead on this host) and stale waiter. Live ones are never touched.</summary>
    public IReadOnlyList<ReclaimedLease> Cleanup()
    {
        var now = _clock.GetUtcNow();
        return _store.Locks.Write(tx =>
        {
            var reclaimed = new List<ReclaimedLease>();
            ReclaimStale(tx, tx.Leases(), now, reclaimed);
            DropStaleWaiters(tx, now, null);
            return (IReadOnlyList<ReclaimedLease>)reclaimed;
        });
    }

    public IReadOnlyList<LockEvent> History(IReadOnlyList<string>? actions, int limit) => _store.Locks.History(actions, limit);

    // ------------------------------------------------------------------ the board's view

    IReadOnlyList<Board.LockSummary> Board.ILockBoardSource.ActiveLocks()
    {
        var listing = List();
        return listing.Leases.Select(l => new Board.LockSummary
        {
            LeaseId = l.LeaseId, Agent = l.Agent, Resources = l.Resources, Mode = l.Mode, FencingToken = l.FencingToken,
            AcquiredAt = l.AcquiredAt, ExpiresAt = l.ExpiresAt,
            Waiters = listing.Waiters.Count(w => w.Resources.Any(wr => l.Resources.Any(lr => ResourcePath.Overlaps(wr, lr)))),
        }).ToArray();
    }

    IReadOnlyList<LockEvent> Board.ILockBoardSource.RecentReleases(int n) => History(new[] { "released" }, n);

    IReadOnlyList<LockEvent> Board.ILockBoardSource.RefusedAcquisitions(int n) => History(new[] { "refused" }, n);
}
