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
/// on this host (pid and start time). Grants are all-or-nothing and queued first come, first served. The rules
/// are in <see cref="LockRules"/> and the waiting in <see cref="LockAcquirer"/>; this is their entry point, and it
/// renews, releases, breaks and reads leases.
/// </summary>
public sealed class LockService : Board.ILockBoardSource
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(1);

    private readonly ILockStore _store;
    private readonly CallerIdentity _caller;
    private readonly OpsLogService _opsLog;
    private readonly string _root;
    private readonly TimeProvider _clock;
    private readonly LockRules _rules;
    private readonly LockAcquirer _acquirer;
    private readonly LockWake _wake;

    // storeLocation: the store's IFastbandStore.Location, which names its waiters' doorbells (LockWake).
    internal LockService(ILockStore store, string storeLocation, CallerIdentity caller, string? session, DirectiveBoard directives, OpsLogService opsLog, string projectRoot, TimeProvider clock)
    {
        _store = store;
        _caller = caller;
        SessionId = session;
        _opsLog = opsLog;
        _root = projectRoot;
        _clock = clock;
        _rules = new LockRules(caller.Agent, session, caller.Host);
        _wake = new LockWake(store, storeLocation, caller.Host, clock);
        _acquirer = new LockAcquirer(store, _rules, caller, session, directives, clock, _wake);
    }

    /// <summary>See <see cref="LockAcquirer.FenceHolds"/> (tests only).</summary>
    internal bool FenceHolds { get => _acquirer.FenceHolds; set => _acquirer.FenceHolds = value; }

    /// <summary>See <see cref="LockAcquirer.AfterHoldCheck"/> (tests only).</summary>
    internal Action? AfterHoldCheck { get => _acquirer.AfterHoldCheck; set => _acquirer.AfterHoldCheck = value; }

    /// <summary>See <see cref="LockAcquirer.FallbackPoll"/> (tests only).</summary>
    internal TimeSpan FallbackPoll { get => _acquirer.FallbackPoll; set => _acquirer.FallbackPoll = value; }

    /// <summary>See <see cref="LockWake.Enabled"/>: off, waiters poll and releases ring nobody (tests only).</summary>
    internal bool WakeEnabled { get => _wake.Enabled; set => _wake.Enabled = value; }

    /// <summary>Told when a lock is broken, so the previous holder can be sent a message.</summary>
    public Action<Lease, string>? OnBroken { get; set; }

    /// <summary>The caller's session: two sessions of one agent are two lock owners.</summary>
    public string? SessionId { get; }

    /// <summary>The paths as locks store them (project-relative, one form on every OS), each once; none is refused.</summary>
    public IReadOnlyList<string> Normalize(IEnumerable<string> paths)
    {
        var list = paths.Select(p => ResourcePath.Normalize(p, _root)).Distinct(StringComparer.Ordinal).ToArray();
        if (list.Length == 0)
            throw new InvalidInputException("NoResources", "Name at least one path to lock: a file, a folder or a glob such as src/** .");
        return list;
    }

    /// <summary>
    /// Takes the lock, or says who stands in the way: at once, or after waiting in the queue for at most
    /// <see cref="LockRequest.Wait"/>. A hold in force refuses it (unless a clearance for its ticket lets it through).
    /// </summary>
    public LockResult Acquire(LockRequest request, CancellationToken cancellation = default) =>
        _acquirer.Acquire(Normalize(request.Resources), request, cancellation);

    // ------------------------------------------------------------------ renew, release, break

    /// <summary>Extends a lease by its own duration (or <paramref name="ttl"/>). A lost lease is reported at once.</summary>
    public Lease Renew(string leaseId, TimeSpan? ttl = null)
    {
        if (ttl is { } t && t <= TimeSpan.Zero) throw new InvalidInputException("InvalidTtl", "The TTL must be positive, such as 30m or 1h.");
        var now = _clock.GetUtcNow();
        var renewed = _store.Write(tx =>
        {
            var lease = tx.Lease(leaseId);
            if (lease is null || _rules.StaleReason(lease, now) is not null) return null;
            var expires = now + (ttl ?? lease.ExpiresAt - lease.RenewedAt);
            tx.SetExpiry(leaseId, now, expires);
            tx.Record(new LockEvent { At = now, Action = "renewed", LeaseId = leaseId, Agent = lease.Agent, Resources = lease.Resources, FencingToken = lease.FencingToken });
            return new Lease
            {
                LeaseId = lease.LeaseId, FencingToken = lease.FencingToken, Resources = lease.Resources, Mode = lease.Mode, Agent = lease.Agent,
                SessionId = lease.SessionId, Host = lease.Host, ProcessId = lease.ProcessId, ProcessStartedAt = lease.ProcessStartedAt,
                Reason = lease.Reason, AcquiredAt = lease.AcquiredAt, RenewedAt = now, ExpiresAt = expires,
            };
        });
        return renewed ?? throw new BlockedException("LeaseLost", $"Lease {leaseId} is lost: {Fate(leaseId, now)}; acquire the lock again.");
    }

    /// <summary>What became of a lease that is gone, in words.</summary>
    private string Fate(string leaseId, DateTimeOffset now)
    {
        var lease = _store.Leases().FirstOrDefault(l => l.LeaseId == leaseId);
        if (lease is not null && _rules.StaleReason(lease, now) is { } why)
            return why == "expired" ? $"it expired at {TimeSpec.Display(lease.ExpiresAt)} UTC" : "the process it was tied to has exited";
        var last = _store.LastEvent(leaseId);
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
        var (released, foreign) = _store.Write(tx =>
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
        if (released is not null) _wake.RingNext();
        return released is null
            ? new ReleaseResult { Message = $"Nothing to release: lease {leaseId} is gone ({Fate(leaseId, now)})." }
            : new ReleaseResult { ReleasedLeaseIds = new[] { leaseId }, Resources = released.Resources, Message = $"Released {leaseId}: {string.Join(", ", released.Resources)}." };
    }

    /// <summary>Releases the caller's own locks on these paths, whichever leases hold them.</summary>
    public ReleaseResult ReleasePaths(IEnumerable<string> paths)
    {
        var wanted = Normalize(paths);
        var now = _clock.GetUtcNow();
        var (ids, resources) = _store.Write(tx =>
        {
            var ids = new List<string>();
            var freed = new List<string>();
            foreach (var lease in tx.Leases().Where(l => _rules.IsMine(l.Agent, l.SessionId)))
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
        if (ids.Count > 0) _wake.RingNext();
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
        var (broken, token) = _store.Write(tx =>
        {
            var victims = tx.ReclaimStale(_rules, tx.Leases(), now, new List<ReclaimedLease>()).Where(l => !_rules.IsMine(l.Agent, l.SessionId) && l.Resources.Any(r => ResourcePath.Overlaps(target, r))).ToList();
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
        _wake.RingNext(); // stale leases the break reclaimed free waiters too, even when nothing was broken
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
            Leases = _store.Leases().Where(l => _rules.StaleReason(l, now) is null && (agent is null || string.Equals(l.Agent, agent, StringComparison.OrdinalIgnoreCase))).ToArray(),
            Waiters = _store.Waiters().Where(w => LockRules.IsWaiting(w, now) && (agent is null || string.Equals(w.Agent, agent, StringComparison.OrdinalIgnoreCase))).ToArray(),
        };
    }

    /// <summary>Who would stand in the way of the caller taking these paths exclusively now.</summary>
    public IReadOnlyList<LockConflict> Check(IEnumerable<string> paths, bool shared = false) =>
        _rules.Conflicts(_store.Leases(), Normalize(paths), shared ? LockMode.Shared : LockMode.Exclusive, _clock.GetUtcNow());

    /// <summary>The live leases of others on a path (for a handoff request).</summary>
    public IReadOnlyList<Lease> HoldersOf(string path)
    {
        string target = ResourcePath.Normalize(path, _root);
        var now = _clock.GetUtcNow();
        return _store.Leases().Where(l => _rules.StaleReason(l, now) is null && !_rules.IsMine(l.Agent, l.SessionId) && l.Resources.Any(r => ResourcePath.Overlaps(target, r))).ToArray();
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
        var lease = _store.Leases().FirstOrDefault(l => l.LeaseId == leaseId);
        string? problem =
            lease is null ? $"lease {leaseId} is gone: {Fate(leaseId, now)}"
            : lease.FencingToken != token ? $"token {token} is not lease {leaseId}'s (it holds {lease.FencingToken})"
            : _rules.StaleReason(lease, now) is { } why ? $"lease {leaseId} is stale ({why})"
            : lease.Resources.Select(r => (r, t: _store.ResourceToken(r))).FirstOrDefault(x => x.t > token) is { r: not null } newer
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
        return _store.Leases().Select(l => (Lease: l, Why: _rules.StaleReason(l, now)))
            .Where(x => x.Why is not null).Select(x => new ReclaimedLease { Lease = x.Lease, Why = x.Why! }).ToArray();
    }

    /// <summary>Removes every stale lease (expired, or its process dead on this host) and stale waiter. Live ones are never touched.</summary>
    public IReadOnlyList<ReclaimedLease> Cleanup()
    {
        var now = _clock.GetUtcNow();
        var (reclaimed, dropped) = _store.Write(tx =>
        {
            var reclaimed = new List<ReclaimedLease>();
            tx.ReclaimStale(_rules, tx.Leases(), now, reclaimed);
            tx.DropStaleWaiters(_rules, now, null, out int dropped);
            return (reclaimed, dropped);
        });
        if (reclaimed.Count > 0 || dropped > 0) _wake.RingNext();
        return reclaimed;
    }

    public IReadOnlyList<LockEvent> History(IReadOnlyList<string>? actions, int limit) => _store.History(actions, limit);

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
