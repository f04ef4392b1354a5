using Fastband.Core.Events;
using Fastband.Core.Locks;
using Fastband.Core.Store;

namespace Fastband.Core.Leader;

/// <summary>
/// Heartbeats and leader election. Leadership is a lease on the reserved resource <c>fastband:leader</c> with a TTL
/// of T (leader.heartbeatTimeout); every heartbeat of the leader renews it, so a leader silent for longer than T has
/// lapsed and the next campaign wins. Terms are their own counter (1, 2, 3, ... stored in leader_terms, one row per
/// term), so a failover goes from term N to N+1 whatever other locks were granted meanwhile; the lease's fencing
/// token is kept with the term for writes that check tokens. Each decision is one write transaction, so two
/// campaigns at once elect exactly one leader.
/// </summary>
public sealed class LeaderService
{
    public const string Resource = ResourcePath.ReservedPrefix + "leader";
    public const string ElectionEvent = "leader_election";
    public const string HeartbeatEvent = "heartbeat";
    public const string ErrorEvent = "error";

    private readonly ILeaderStore _leader;
    private readonly ILockStore _locks;
    private readonly CallerIdentity _caller;
    private readonly LeaderSettings _settings;
    private readonly IEventRecorder _events;
    private readonly TimeProvider _clock;

    internal LeaderService(ILeaderStore leader, ILockStore locks, CallerIdentity caller, LeaderSettings settings, IEventRecorder events, TimeProvider clock)
    {
        _leader = leader;
        _locks = locks;
        _caller = caller;
        _settings = settings;
        _events = events;
        _clock = clock;
    }

    private TimeSpan T => _settings.HeartbeatTimeout;

    // ------------------------------------------------------------------ heartbeats

    /// <summary>
    /// Records the caller's heartbeat; when the caller leads, renews its lease for another T. With a term, the beat
    /// is a leader action: refused (nothing written) unless that term is current and the caller's.
    /// </summary>
    public HeartbeatResult Beat(string? role = null, long? term = null)
    {
        string? wanted = HeartbeatRole.Normalize(role);
        var now = _clock.GetUtcNow();
        var (beat, started, lease, current, refusal) = _leader.Write(tx =>
        {
            var (lease, latest) = Current(tx, now);
            bool mine = lease is not null && IsMine(lease.Agent);
            if (term is { } t && (!mine || latest?.Term != t))
                return (null!, false, lease, latest, (string?)StaleReason(t, lease, latest, now));
            var (beat, started) = SaveBeat(tx, wanted, now);
            if (mine) tx.Locks.SetExpiry(lease!.LeaseId, now, now + T);
            return (beat, started, mine ? lease : null, latest, (string?)null);
        });
        if (refusal is not null) throw Stale(term!.Value, refusal);
        if (started) Announce(HeartbeatEvent, $"{beat.Agent} ({beat.Role}) started sending heartbeats from {beat.Host}.");
        bool leads = lease is not null;
        return new HeartbeatResult
        {
            Agent = beat.Agent, Role = beat.Role, Host = beat.Host, BeatAt = beat.LastBeatAt, Beats = beat.Beats,
            IsLeader = leads, Term = leads ? current!.Term : null, LeaseExpiresAt = leads ? now + T : null,
            Message = leads
                ? $"Heartbeat from {beat.Agent}, leader in term {current!.Term}: the lease lasts until {TimeSpec.Display(now + T)} UTC; beat again before then."
                : $"Heartbeat from {beat.Agent} ({beat.Role}) recorded at {TimeSpec.Display(now)} UTC."
                  + (current is { EndReason: "lapsed" } t && IsMine(t.Agent)
                      ? $" Your leader term {t.Term} {Ending(t)}; campaign again to lead."
                      : ""),
        };
    }

    /// <summary>
    /// Beats now and then every <paramref name="interval"/> until cancelled: the orchestrator's (or a long-running
    /// agent's) heartbeat loop. Each result is yielded as it happens. The interval must be shorter than T, or the
    /// leader would lapse between beats.
    /// </summary>
    public IEnumerable<HeartbeatResult> BeatEvery(TimeSpan interval, string? role, long? term, CancellationToken cancellation)
    {
        if (interval <= TimeSpan.Zero || interval >= T)
            throw new InvalidInputException("InvalidInterval",
                $"The heartbeat interval must be positive and shorter than leader.heartbeatTimeout ({TimeSpec.Humanize(T)}), such as {TimeSpec.Humanize(T / 3)}.");
        while (!cancellation.IsCancellationRequested)
        {
            yield return Beat(role, term);
            if (cancellation.WaitHandle.WaitOne(interval)) yield break;
        }
    }

    /// <summary>Every agent's last heartbeat, most recent first.</summary>
    public IReadOnlyList<Heartbeat> Heartbeats() => _leader.Heartbeats();

    /// <summary>The caller leaves: its heartbeat is removed (health no longer expects it) and, if it leads, it resigns.</summary>
    public HeartbeatResult StopBeating()
    {
        var status = Show();
        bool resigned = status.HasLeader && IsMine(status.Leader!);
        if (resigned) Resign(null);
        var old = _leader.Heartbeat(_caller.Agent);
        bool removed = _leader.Write(tx => tx.DeleteHeartbeat(_caller.Agent));
        if (removed) Announce(HeartbeatEvent, $"{_caller.Agent} stopped sending heartbeats.");
        return new HeartbeatResult
        {
            Agent = _caller.Agent, Role = old?.Role ?? "", Host = _caller.Host, BeatAt = _clock.GetUtcNow(), Beats = old?.Beats ?? 0, Stopped = removed,
            Message = removed
                ? $"{_caller.Agent} stopped sending heartbeats{(resigned ? $" and resigned term {status.Term}" : "")}; health no longer expects it."
                : $"{_caller.Agent} had no heartbeat to remove.",
        };
    }

    /// <summary>Upserts the caller's beat. A beat after more than T of silence starts a new run (and is announced).</summary>
    private (Heartbeat Beat, bool Started) SaveBeat(ILeaderTransaction tx, string? role, DateTimeOffset now)
    {
        var old = tx.Heartbeat(_caller.Agent);
        bool started = old is null || now - old.LastBeatAt > T;
        var beat = new Heartbeat
        {
            Agent = old?.Agent ?? _caller.Agent, Role = role ?? old?.Role ?? HeartbeatRole.Agent, Host = _caller.Host, ProcessId = _caller.ProcessId,
            FirstBeatAt = started ? now : old!.FirstBeatAt, LastBeatAt = now, Beats = (old?.Beats ?? 0) + 1,
        };
        tx.SaveHeartbeat(beat);
        tx.Locks.TouchAgent(new AgentTouch(_caller.Agent, _caller.Host, _caller.ProcessId, _caller.ProcessStartedAt), now);
        return (beat, started);
    }

    // ------------------------------------------------------------------ election

    /// <summary>Who leads now (or led last), in which term, and how old its heartbeat is.</summary>
    public LeaderStatus Show()
    {
        var now = _clock.GetUtcNow();
        var lease = LeaderLease(_locks.Leases());
        var latest = _leader.Terms(1).FirstOrDefault();
        bool live = lease is not null && now < lease.ExpiresAt && latest?.LeaseId == lease.LeaseId;
        return Status(live ? lease : null, latest, now, elected: false, null);
    }

    /// <summary>
    /// Campaigns for leadership. Wins the next term when nobody holds a live leader lease (none yet, resigned, or
    /// lapsed: no heartbeat for longer than T); refused (exit 3) while the leader is alive. The leader campaigning
    /// again keeps its term and renews its lease.
    /// </summary>
    public LeaderStatus Campaign()
    {
        if (_caller.IsDefaulted)
            throw new InvalidInputException("AgentNameRequired", "A campaign needs your agent name: pass --agent (-Agent) or set FASTBAND_AGENT.");
        if (_settings.Eligible.Count > 0 && !_settings.Eligible.Contains(_caller.Agent, StringComparer.OrdinalIgnoreCase))
            throw new BlockedException("NotEligible",
                $"{_caller.Agent} may not lead: leader.eligible in .fastband/config.yaml lists {string.Join(", ", _settings.Eligible)}; campaign as one of them or add {_caller.Agent} there.");
        var now = _clock.GetUtcNow();
        var outcome = _leader.Write(tx =>
        {
            var lapsed = new List<LeaderTerm>();
            var (lease, latest) = Current(tx, now, lapsed);
            if (lease is not null)
            {
                if (!IsMine(lease.Agent)) return (Lease: lease, Term: latest, Elected: false, Previous: (LeaderTerm?)null, Refused: true);
                SaveBeat(tx, null, now);
                tx.Locks.SetExpiry(lease.LeaseId, now, now + T);
                return (Lease: tx.Locks.Lease(lease.LeaseId)!, Term: latest, Elected: false, Previous: (LeaderTerm?)null, Refused: false);
            }
            long token = tx.Locks.NextFencingToken();
            long next = (latest?.Term ?? 0) + 1;
            var granted = new Lease
            {
                LeaseId = "lease-" + RandomIds.Hex(8),
                FencingToken = token, Resources = new[] { Resource }, Mode = LockMode.Exclusive, Agent = _caller.Agent,
                Host = _caller.Host, Reason = $"leader term {next}", AcquiredAt = now, RenewedAt = now, ExpiresAt = now + T,
            };
            tx.Locks.InsertLease(granted);
            tx.Locks.SetResourceToken(Resource, token);
            tx.Locks.Record(new LockEvent { At = now, Action = "acquired", LeaseId = granted.LeaseId, Agent = granted.Agent, Resources = granted.Resources, FencingToken = token, Detail = granted.Reason });
            var term = new LeaderTerm { Term = next, Agent = _caller.Agent, Host = _caller.Host, LeaseId = granted.LeaseId, FencingToken = token, StartedAt = now };
            tx.InsertTerm(term);
            SaveBeat(tx, null, now);
            var previous = latest is null ? null : lapsed.FirstOrDefault() ?? latest;
            return (Lease: granted, Term: (LeaderTerm?)term, Elected: true, Previous: previous, Refused: false);
        });
        if (outcome.Refused)
        {
            var hb = _leader.Heartbeat(outcome.Lease.Agent);
            throw new BlockedException("LeaderAlive",
                $"{outcome.Lease.Agent} leads in term {outcome.Term?.Term} and its last heartbeat was {Age(hb, now)} ago (the lease lapses at {TimeSpec.Display(outcome.Lease.ExpiresAt)} UTC without another): campaign after that, or ask it to resign.");
        }
        if (outcome.Elected)
        {
            string before = outcome.Previous is { } p ? $" after {p.Agent}'s term {p.Term} ({Ending(p)})" : "";
            Announce(ElectionEvent, $"{_caller.Agent} won leader term {outcome.Term!.Term}{before}.");
        }
        return Status(outcome.Lease, outcome.Term, now, outcome.Elected, null);
    }

    /// <summary>Gives up leadership at once: the lease is released and the next campaign wins the next term without waiting for T.</summary>
    public LeaderStatus Resign(long? term)
    {
        var now = _clock.GetUtcNow();
        var (ended, lease, latest, refusal) = _leader.Write(tx =>
        {
            var (lease, latest) = Current(tx, now);
            bool mine = lease is not null && IsMine(lease.Agent);
            if (term is { } t && (!mine || latest?.Term != t)) return (false, lease, latest, StaleReason(t, lease, latest, now));
            if (!mine) return (false, lease, latest, (string?)null);
            tx.Locks.DeleteLease(lease!.LeaseId);
            tx.Locks.Record(new LockEvent { At = now, Action = "released", LeaseId = lease.LeaseId, Agent = lease.Agent, Resources = lease.Resources, FencingToken = lease.FencingToken, Detail = $"resigned leader term {latest!.Term}" });
            tx.EndTerm(latest.Term, now, "resigned");
            return (true, lease, latest, (string?)null);
        });
        if (refusal is not null) throw Stale(term!.Value, refusal);
        if (!ended)
            throw new NotFoundException("NotLeader", lease is null
                ? $"{_caller.Agent} does not lead (nobody holds a live leader lease): there is nothing to resign."
                : $"{_caller.Agent} does not lead ({lease.Agent} does, in term {latest?.Term}): there is nothing to resign.");
        Announce(ElectionEvent, $"{_caller.Agent} resigned leader term {latest!.Term}; the next campaign wins term {latest.Term + 1} at once.");
        return Status(null, Ended(latest, now, "resigned"), now, elected: false, $"{_caller.Agent} resigned term {latest.Term}: nobody leads; the next campaign wins term {latest.Term + 1}.");
    }

    /// <summary>May the caller act as leader in <paramref name="term"/>? Reads only.</summary>
    public LeaderCheck Check(long term)
    {
        if (term < 1) throw new InvalidInputException("InvalidTerm", $"{term} is not a term: terms are numbered from 1 (see 'fastband leader show').");
        var now = _clock.GetUtcNow();
        var lease = LeaderLease(_locks.Leases());
        var latest = _leader.Terms(1).FirstOrDefault();
        if (lease is not null && (now >= lease.ExpiresAt || latest?.LeaseId != lease.LeaseId)) lease = null;
        bool valid = lease is not null && IsMine(lease.Agent) && latest!.Term == term;
        return new LeaderCheck
        {
            Agent = _caller.Agent, Term = term, Valid = valid, CurrentTerm = latest?.Term ?? 0, CurrentLeader = lease?.Agent,
            Reason = valid
                ? $"{_caller.Agent} leads in term {term} until {TimeSpec.Display(lease!.ExpiresAt)} UTC unless it beats again."
                : StaleReason(term, lease, latest, now),
        };
    }

    /// <summary>
    /// The guard every leader action runs first: passes only for the caller's current term. A stale term is refused
    /// (BlockedException, exit 3) and recorded as an error event, so people hear of a leader that did not know it was deposed.
    /// </summary>
    public LeaderCheck AssertLeader(long term)
    {
        var check = Check(term);
        if (!check.Valid) throw Stale(term, check.Reason);
        return check;
    }

    /// <summary>The terms so far, newest first.</summary>
    /// <summary>The terms, newest first: at most <paramref name="limit"/> of them, or every one when it is 0.</summary>
    public IReadOnlyList<LeaderTerm> Terms(int limit = 0) =>
        limit < 0 ? throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.")
        : _leader.Terms(limit == 0 ? int.MaxValue : limit);

    // ------------------------------------------------------------------ helpers

    private BlockedException Stale(long term, string reason)
    {
        Announce(ErrorEvent, $"{_caller.Agent} acted as leader with term {term} and was refused: {reason}");
        return new BlockedException("StaleTerm", $"{reason} Act as leader only in your current term: see 'fastband leader show', or campaign.");
    }

    private string StaleReason(long term, Lease? lease, LeaderTerm? latest, DateTimeOffset now)
    {
        if (latest is null) return $"Term {term} was never won: nobody has led yet.";
        if (term > latest.Term) return $"Term {term} was never won: the latest term is {latest.Term}.";
        if (lease is null)
            return term == latest.Term
                ? $"Term {term} is over ({Ending(latest)}): nobody leads now."
                : $"Term {term} is over: the latest term is {latest.Term} and nobody leads now.";
        if (term < latest.Term) return $"Term {term} is over: {lease.Agent} leads in term {latest.Term} since {TimeSpec.Display(latest.StartedAt)} UTC.";
        return $"Term {term} is {lease.Agent}'s, not {_caller.Agent}'s.";
    }

    private string Ending(LeaderTerm t) => t.EndReason switch
    {
        "lapsed" => $"lapsed at {TimeSpec.Display(t.EndedAt!.Value)} UTC: no heartbeat for {TimeSpec.Humanize(T)}",
        null => "still open",
        var why => $"{why} at {TimeSpec.Display(t.EndedAt!.Value)} UTC",
    };

    /// <summary>
    /// The live leader lease and the latest term, after ending the term of a lease that has lapsed (its holder sent
    /// no heartbeat for longer than T): the lapse is recorded as the lease's reclaim and the term's end.
    /// </summary>
    private (Lease? Lease, LeaderTerm? Latest) Current(ILeaderTransaction tx, DateTimeOffset now, List<LeaderTerm>? lapsed = null)
    {
        var lease = LeaderLease(tx.Locks.Leases());
        var latest = tx.LatestTerm();
        if (lease is null)
        {
            if (latest is not { EndReason: null }) return (null, latest);
            // The lease went without a term's end (reclaimed by a lock cleanup, released by id): end the term now.
            var hb = tx.Heartbeat(latest.Agent);
            var due = (hb?.LastBeatAt ?? latest.StartedAt) + T;
            var ended = Ended(latest, due <= now ? due : now, due <= now ? "lapsed" : "released");
            tx.EndTerm(latest.Term, ended.EndedAt!.Value, ended.EndReason!);
            lapsed?.Add(ended);
            return (null, ended);
        }
        if (now < lease.ExpiresAt && latest?.LeaseId == lease.LeaseId) return (lease, latest);
        tx.Locks.DeleteLease(lease.LeaseId);
        tx.Locks.Record(new LockEvent { At = now, Action = "reclaimed", LeaseId = lease.LeaseId, Agent = lease.Agent, Resources = lease.Resources, FencingToken = lease.FencingToken, Detail = "expired" });
        if (latest?.LeaseId == lease.LeaseId)
        {
            tx.EndTerm(latest.Term, lease.ExpiresAt, "lapsed");
            latest = Ended(latest, lease.ExpiresAt, "lapsed");
            lapsed?.Add(latest);
        }
        return (null, latest);
    }

    private static LeaderTerm Ended(LeaderTerm t, DateTimeOffset at, string reason) => new()
    {
        Term = t.Term, Agent = t.Agent, Host = t.Host, LeaseId = t.LeaseId, FencingToken = t.FencingToken, StartedAt = t.StartedAt,
        EndedAt = at, EndReason = reason,
    };

    private static Lease? LeaderLease(IReadOnlyList<Lease> leases) => leases.FirstOrDefault(l => l.Resources.Contains(Resource, StringComparer.Ordinal));

    private bool IsMine(string agent) => string.Equals(agent, _caller.Agent, StringComparison.OrdinalIgnoreCase);

    private static string Age(Heartbeat? hb, DateTimeOffset now) => hb is null ? "never (no heartbeat recorded)" : TimeSpec.Humanize(now - hb.LastBeatAt);

    private LeaderStatus Status(Lease? live, LeaderTerm? term, DateTimeOffset now, bool elected, string? message)
    {
        string? who = live?.Agent ?? term?.Agent;
        var hb = who is null ? null : _leader.Heartbeat(who);
        double? age = hb is null ? null : Math.Round((now - hb.LastBeatAt).TotalSeconds, 1);
        message ??= live is not null
            ? $"{live.Agent} {(elected ? "won" : "leads in")} term {term!.Term}{(elected ? "" : $" since {TimeSpec.Display(term.StartedAt)} UTC")}; last heartbeat {Age(hb, now)} ago; the lease lapses at {TimeSpec.Display(live.ExpiresAt)} UTC without another."
            : term is null
                ? "Nobody leads and nobody has yet: campaign with 'fastband leader campaign'."
                : $"Nobody leads: {term.Agent}'s term {term.Term} {(term.EndReason is null ? $"lapsed (last heartbeat {Age(hb, now)} ago, more than {TimeSpec.Humanize(T)})" : $"ended ({Ending(term)})")}; the next campaign wins term {term.Term + 1}.";
        return new LeaderStatus
        {
            HasLeader = live is not null, Leader = who, Term = term?.Term ?? 0, Host = live?.Host ?? term?.Host, TermStartedAt = term?.StartedAt,
            LastHeartbeatAt = hb?.LastBeatAt, HeartbeatAgeSeconds = age, LeaseExpiresAt = live?.ExpiresAt, LeaseId = live?.LeaseId,
            FencingToken = live?.FencingToken, HeartbeatTimeoutSeconds = T.TotalSeconds, Elected = elected, Message = message,
        };
    }

    /// <summary>Writes an event; a failure to write it never undoes or fails what was already decided.</summary>
    private void Announce(string type, string content)
    {
        try { _events.Record(type, content); }
        catch (Exception e) when (e is FastbandException or IOException or UnauthorizedAccessException) { /* the decision stands; the store's own failure shows elsewhere */ }
    }
}
