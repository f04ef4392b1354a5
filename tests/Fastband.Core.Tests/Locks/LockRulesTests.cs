using Fastband.Core.Locks;
using Xunit;

namespace Fastband.Core.Tests.Locks;

/// <summary>
/// The lock decision as a pure function: leases and waiters made up in memory, no store, times from a ManualClock,
/// and whether a process is alive answered by the test.
/// </summary>
public sealed class LockRulesTests
{
    private const string Here = "this-host";

    private readonly ManualClock _clock = new();
    private readonly HashSet<int> _deadPids = new();
    private long _queueNumbers;

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>The rules of agent <paramref name="agent"/> (session <paramref name="session"/>) on this host; a pid in <see cref="_deadPids"/> is dead.</summary>
    private LockRules RulesOf(string agent, string? session = null) =>
        new(agent, session, Here, (host, pid, _) => host != Here || !_deadPids.Contains(pid));

    private Lease Held(string agent, string resource, string mode = LockMode.Exclusive, string? session = null, TimeSpan? ttl = null, int? pid = null,
        string host = Here) => new()
    {
        LeaseId = $"lease-{agent}-{resource}", FencingToken = 1, Resources = new[] { resource }, Mode = mode, Agent = agent, SessionId = session,
        Host = host, ProcessId = pid, AcquiredAt = Now - TimeSpan.FromMinutes(5), RenewedAt = Now - TimeSpan.FromMinutes(5),
        ExpiresAt = Now + (ttl ?? TimeSpan.FromHours(1)),
    };

    private LockWaiter Waiting(string agent, string resource, string mode = LockMode.Exclusive, TimeSpan? seenAgo = null) => new()
    {
        QueueNumber = ++_queueNumbers, Agent = agent, Resources = new[] { resource }, Mode = mode, Host = Here, ProcessId = 4242,
        EnqueuedAt = Now - TimeSpan.FromSeconds(30), SeenAt = Now - (seenAgo ?? TimeSpan.Zero),
    };

    private static LockAsk Exclusive(params string[] resources) => new(resources, LockMode.Exclusive);

    private static LockAsk Shared(params string[] resources) => new(resources, LockMode.Shared);

    private LockDecision Decide(LockRules rules, LockAsk ask, IReadOnlyList<Lease>? leases = null, IReadOnlyList<LockWaiter>? waiters = null, bool mayWait = false) =>
        rules.Decide(ask, leases ?? Array.Empty<Lease>(), waiters ?? Array.Empty<LockWaiter>(), Now, mayWait);

    [Fact]
    public void A_free_path_is_granted()
    {
        var d = Decide(RulesOf("B"), Exclusive("src/a.cs"), new[] { Held("A", "docs") });

        Assert.Equal(LockVerdict.Grant, d.Verdict);
        Assert.Empty(d.Conflicts);
        Assert.Null(d.Held);
    }

    [Fact]
    public void Another_agents_lease_on_an_overlapping_path_refuses_it_with_who_holds_what_and_queues_it_when_it_may_wait()
    {
        var folder = Held("A", "src");
        var refused = Decide(RulesOf("B"), Exclusive("src/a.cs", "docs"), new[] { folder });
        var queued = Decide(RulesOf("B"), Exclusive("src/a.cs"), new[] { folder }, mayWait: true);

        Assert.Equal(LockVerdict.Refuse, refused.Verdict);
        var c = Assert.Single(refused.Conflicts);
        Assert.Equal("src/a.cs", c.Requested);
        Assert.Equal("src", c.HeldResource);
        Assert.Equal("A", c.Agent);
        Assert.Equal(folder.LeaseId, c.LeaseId);
        Assert.Equal(folder.AcquiredAt, c.Since);
        Assert.Equal(folder.ExpiresAt, c.Until);
        Assert.False(c.Queued);
        Assert.Equal(LockVerdict.Queue, queued.Verdict);
        Assert.Single(queued.Conflicts);
    }

    [Fact]
    public void Shared_beside_shared_is_granted_and_any_exclusive_side_conflicts()
    {
        var shared = Held("A", "docs", LockMode.Shared);
        var exclusive = Held("A", "src", LockMode.Exclusive);

        Assert.Equal(LockVerdict.Grant, Decide(RulesOf("B"), Shared("docs"), new[] { shared }).Verdict);
        Assert.Equal(LockVerdict.Refuse, Decide(RulesOf("B"), Exclusive("docs"), new[] { shared }).Verdict);
        Assert.Equal(LockVerdict.Refuse, Decide(RulesOf("B"), Shared("src"), new[] { exclusive }).Verdict);
    }

    [Fact]
    public void An_expired_lease_stands_in_no_ones_way_from_the_moment_it_expires()
    {
        var rules = RulesOf("B");
        var lease = Held("A", "src", ttl: TimeSpan.FromMinutes(1));

        Assert.Equal(LockVerdict.Refuse, Decide(rules, Exclusive("src"), new[] { lease }).Verdict);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("expired", rules.StaleReason(lease, Now));
        Assert.Equal(LockVerdict.Grant, Decide(rules, Exclusive("src"), new[] { lease }).Verdict);
    }

    [Fact]
    public void A_lease_whose_process_died_on_this_host_is_stale_but_one_recorded_on_another_host_still_holds()
    {
        _deadPids.Add(777);
        var dead = Held("A", "src", pid: 777);
        var elsewhere = Held("C", "docs", pid: 777, host: "other-host");

        var d = Decide(RulesOf("B"), Exclusive("src", "docs"), new[] { dead, elsewhere });

        Assert.Equal("process-dead", RulesOf("B").StaleReason(dead, Now));
        Assert.Null(RulesOf("B").StaleReason(elsewhere, Now));
        Assert.Equal(LockVerdict.Refuse, d.Verdict);
        Assert.Equal("C", Assert.Single(d.Conflicts).Agent);
    }

    [Fact]
    public void The_default_liveness_never_judges_a_pid_recorded_on_another_host()
    {
        var rules = new LockRules("B", null, Here);
        var lease = Held("A", "src", pid: int.MaxValue, host: "other-host");

        Assert.Null(rules.StaleReason(lease, Now));
        Assert.Equal(LockVerdict.Refuse, rules.Decide(Exclusive("src"), new[] { lease }, Array.Empty<LockWaiter>(), Now, mayWait: false).Verdict);
    }

    [Fact]
    public void The_callers_own_covering_lease_is_already_held_and_a_weaker_one_of_its_own_is_no_obstacle()
    {
        var mine = Held("alice", "src", LockMode.Exclusive);
        var mineShared = Held("alice", "docs", LockMode.Shared);
        var rules = RulesOf("Alice"); // agent names compare case-insensitively

        var again = Decide(rules, Shared("src"), new[] { mine });
        var stronger = Decide(rules, Exclusive("docs"), new[] { mineShared });
        var wider = Decide(rules, Exclusive("src", "README.md"), new[] { mine });

        Assert.Equal(LockVerdict.AlreadyHeld, again.Verdict);
        Assert.Same(mine, again.Held);
        Assert.Equal(LockVerdict.Grant, stronger.Verdict); // not covered (shared is weaker), but its own lease never conflicts
        Assert.Equal(LockVerdict.Grant, wider.Verdict);
    }

    [Fact]
    public void An_expired_lease_of_the_callers_own_is_not_already_held()
    {
        var mine = Held("A", "src", ttl: TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(LockVerdict.Grant, Decide(RulesOf("A"), Exclusive("src"), new[] { mine }).Verdict);
    }

    [Fact]
    public void The_same_agent_in_another_session_is_someone_else()
    {
        var other = Held("A", "src", session: "s1");

        Assert.Equal(LockVerdict.Refuse, Decide(RulesOf("A", "s2"), Exclusive("src"), new[] { other }).Verdict);
        Assert.Equal(LockVerdict.AlreadyHeld, Decide(RulesOf("A", "s1"), Exclusive("src"), new[] { other }).Verdict);
    }

    [Fact]
    public void An_earlier_waiter_for_an_overlapping_path_is_served_first_and_a_later_one_is_not()
    {
        var first = Waiting("A", "src/**");
        var newcomer = Decide(RulesOf("B"), Exclusive("src/a.cs"), waiters: new[] { first }, mayWait: true);
        var mine = Waiting("B", "src/a.cs");
        var later = Waiting("C", "src/a.cs");
        var ahead = Decide(RulesOf("B"), Exclusive("src/a.cs") with { QueueNumber = mine.QueueNumber }, waiters: new[] { first, mine, later }, mayWait: true);
        var firstInLine = Decide(RulesOf("A"), Exclusive("src/**") with { QueueNumber = first.QueueNumber }, waiters: new[] { first, mine, later });

        Assert.Equal(LockVerdict.Queue, newcomer.Verdict);
        var c = Assert.Single(newcomer.Conflicts);
        Assert.True(c.Queued);
        Assert.Equal("A", c.Agent);
        Assert.Equal("src/**", c.HeldResource);
        Assert.Equal(first.EnqueuedAt, c.Since);
        Assert.Equal("A", Assert.Single(ahead.Conflicts).Agent); // C came later: not ahead of B
        Assert.Equal(LockVerdict.Grant, firstInLine.Verdict);
    }

    [Fact]
    public void Waiters_that_could_share_or_stopped_showing_themselves_are_not_ahead()
    {
        var sharing = Waiting("A", "docs", LockMode.Shared);
        var gone = Waiting("C", "src", seenAgo: LockRules.WaiterStaleAfter);
        var recent = Waiting("D", "lib", seenAgo: LockRules.WaiterStaleAfter - TimeSpan.FromSeconds(1));

        var d = Decide(RulesOf("B"), Shared("docs", "src", "lib"), waiters: new[] { sharing, gone, recent });

        Assert.Equal(LockVerdict.Refuse, d.Verdict);
        Assert.Equal("D", Assert.Single(d.Conflicts).Agent);
        Assert.True(RulesOf("B").IsStale(gone, Now));
        Assert.False(RulesOf("B").IsStale(recent, Now));
    }

    [Fact]
    public void A_waiter_whose_process_died_is_stale_though_it_was_seen_just_now()
    {
        _deadPids.Add(4242);
        Assert.True(RulesOf("B").IsStale(Waiting("A", "src"), Now));
    }

    [Fact]
    public void Every_overlap_is_named_once_per_path_asked_for_and_held()
    {
        var lease = new Lease
        {
            LeaseId = "lease-x", Resources = new[] { "src/a.cs", "src/b.cs", "docs" }, Mode = LockMode.Exclusive, Agent = "A", Host = Here,
            AcquiredAt = Now, RenewedAt = Now, ExpiresAt = Now + TimeSpan.FromHours(1),
        };

        var d = Decide(RulesOf("B"), Exclusive("src", "README.md"), new[] { lease });

        Assert.Equal(new[] { "src/a.cs", "src/b.cs" }, d.Conflicts.Select(c => c.HeldResource));
        Assert.All(d.Conflicts, c => Assert.Equal("src", c.Requested));
    }
}
