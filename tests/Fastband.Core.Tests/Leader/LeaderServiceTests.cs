using Fastband.Core.Leader;
using Fastband.Core.Locks;
using Xunit;

namespace Fastband.Core.Tests.Leader;

/// <summary>Heartbeats and leader election on one store, with the clock moved by hand (T is 30 s by default).</summary>
public class LeaderServiceTests : ProjectTest
{
    private readonly Dictionary<string, MemoryEventRecorder> _recorders = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The agent's leader service, writing its events to an in-memory recorder.</summary>
    private LeaderService Leader(string agent)
    {
        var p = As(agent);
        var recorder = _recorders.TryGetValue(agent, out var r) ? r : _recorders[agent] = new MemoryEventRecorder(Clock, agent);
        return new LeaderService(p.Store.Leader, p.Store.Locks, p.Caller, p.Config.Leader, recorder, Clock);
    }

    private IReadOnlyList<string> Events(string agent, string type) => _recorders[agent].OfType(type).Select(e => e.Content).ToArray();

    [Fact]
    public void The_first_campaign_wins_term_1_and_announces_it()
    {
        var status = Leader("orch").Campaign();
        Assert.True(status.HasLeader);
        Assert.True(status.Elected);
        Assert.Equal("orch", status.Leader);
        Assert.Equal(1, status.Term);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromSeconds(30), status.LeaseExpiresAt);
        Assert.Equal(new[] { "orch won leader term 1." }, Events("orch", LeaderService.ElectionEvent));
        var lease = Assert.Single(As("x").Locks.List().Leases);
        Assert.Equal(new[] { LeaderService.Resource }, lease.Resources);
        Assert.Equal(status.FencingToken, lease.FencingToken);
    }

    [Fact]
    public void While_the_leader_beats_a_campaign_is_refused_naming_the_leader_and_its_heartbeat_age()
    {
        var orch = Leader("orch");
        orch.Campaign();
        Clock.Advance(TimeSpan.FromSeconds(20));
        orch.Beat(HeartbeatRole.Orchestrator);
        Clock.Advance(TimeSpan.FromSeconds(25)); // 45 s after the campaign, 25 s after the last beat: alive
        var e = Assert.Throws<BlockedException>(() => Leader("ag1").Campaign());
        Assert.Equal("LeaderAlive", e.ErrorId);
        Assert.Contains("orch leads in term 1", e.Message);
        Assert.Contains("last heartbeat was 25s ago", e.Message);
        Assert.Single(As("x").Store.Leader.Terms(10));
        Assert.Equal("orch", Leader("x").Show().Leader);
    }

    [Fact]
    public void When_the_leader_misses_its_heartbeats_for_longer_than_T_another_agent_wins_the_next_term_and_the_old_term_is_refused()
    {
        var orch = Leader("orch");
        Assert.Equal(1, orch.Campaign().Term);
        orch.Beat(HeartbeatRole.Orchestrator);
        orch.AssertLeader(1);
        var beforeDeath = As("x").Store.Leader.Heartbeat("orch")!.LastBeatAt;

        Clock.Advance(TimeSpan.FromSeconds(31)); // the orchestrator stopped: no heartbeat for more than T
        var shown = Leader("x").Show();
        Assert.False(shown.HasLeader);
        Assert.Contains("lapsed", shown.Message);

        var ag1 = Leader("ag1");
        var won = ag1.Campaign();
        Assert.Equal(2, won.Term);
        Assert.Equal("ag1", won.Leader);
        Assert.Contains("ag1 won leader term 2 after orch's term 1 (lapsed", Events("ag1", LeaderService.ElectionEvent).Single());
        var terms = As("x").Store.Leader.Terms(10);
        Assert.Equal(new long[] { 2, 1 }, terms.Select(t => t.Term));
        Assert.Equal("lapsed", terms[1].EndReason);

        // The old leader comes back thinking it still leads: every action with its term is refused, and said so.
        var stale = Assert.Throws<BlockedException>(() => orch.AssertLeader(1));
        Assert.Equal("StaleTerm", stale.ErrorId);
        Assert.Contains("ag1 leads in term 2", stale.Message);
        Assert.Throws<BlockedException>(() => orch.Beat(term: 1));
        Assert.Equal(beforeDeath, As("x").Store.Leader.Heartbeat("orch")!.LastBeatAt); // the refused beat wrote nothing
        Assert.Throws<BlockedException>(() => orch.Resign(1));
        Assert.Equal(2, Leader("x").Show().Term);
        Assert.Equal(3, Events("orch", LeaderService.ErrorEvent).Count);
        Assert.False(orch.Check(1).Valid);
        Assert.True(ag1.Check(2).Valid);
        Assert.False(Leader("ag2").Check(2).Valid); // the right term, but not ag2's
    }

    [Fact]
    public void Each_heartbeat_of_the_leader_renews_its_lease()
    {
        var orch = Leader("orch");
        orch.Campaign();
        for (int i = 0; i < 5; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(25));
            var beat = orch.Beat();
            Assert.True(beat.IsLeader);
            Assert.Equal(1, beat.Term);
        }
        Assert.Throws<BlockedException>(() => Leader("ag1").Campaign()); // 125 s after the campaign, 0 s after the last beat
        Assert.Equal(5 + 1, As("x").Store.Leader.Heartbeat("orch")!.Beats);
    }

    [Fact]
    public void Resigning_hands_over_at_once_and_only_the_leader_with_its_term_may_resign()
    {
        var orch = Leader("orch");
        orch.Campaign();
        Assert.Equal("NotLeader", Assert.Throws<NotFoundException>(() => Leader("ag1").Resign(null)).ErrorId);
        Assert.Equal("StaleTerm", Assert.Throws<BlockedException>(() => orch.Resign(7)).ErrorId);
        var resigned = orch.Resign(1);
        Assert.False(resigned.HasLeader);
        var won = Leader("ag1").Campaign(); // no wait for T
        Assert.Equal(2, won.Term);
        Assert.Equal("resigned", As("x").Store.Leader.Terms(10)[1].EndReason);
        Assert.Contains(Events("orch", LeaderService.ElectionEvent), e => e.StartsWith("orch resigned leader term 1"));
    }

    [Fact]
    public void The_leader_campaigning_again_keeps_its_term()
    {
        var orch = Leader("orch");
        orch.Campaign();
        Clock.Advance(TimeSpan.FromSeconds(10));
        var again = orch.Campaign();
        Assert.False(again.Elected);
        Assert.Equal(1, again.Term);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromSeconds(30), again.LeaseExpiresAt);
        Assert.Single(Events("orch", LeaderService.ElectionEvent));
    }

    [Fact]
    public void Terms_count_one_by_one_whatever_fencing_tokens_other_locks_take()
    {
        var orch = Leader("orch");
        orch.Campaign();
        var bob = As("bob");
        for (int i = 0; i < 3; i++) bob.Locks.Release(bob.Locks.Acquire(new LockRequest { Resources = new[] { $"f{i}.txt" } }).Lease!.LeaseId);
        orch.Resign(1);
        var second = Leader("ag1").Campaign();
        Assert.Equal(2, second.Term);
        Assert.Equal(5, second.FencingToken); // term 1 took token 1, the locks 2..4
    }

    [Fact]
    public void A_whole_project_lock_and_the_leader_lease_never_stand_in_each_others_way_and_the_leader_resource_cannot_be_locked()
    {
        var bob = As("bob");
        var whole = bob.Locks.Acquire(new LockRequest { Resources = new[] { "**" } });
        Assert.True(whole.Granted);
        Assert.Equal(1, Leader("orch").Campaign().Term); // despite bob's lock on everything
        bob.Locks.Release(whole.Lease!.LeaseId);
        Assert.True(As("carol").Locks.Acquire(new LockRequest { Resources = new[] { "**" } }).Granted); // despite the leader's lease
        Assert.DoesNotContain(As("dave").Locks.Check(new[] { "fastband-notes.txt" }), c => c.Agent == "orch");
        var e = Assert.Throws<InvalidInputException>(() => bob.Locks.Acquire(new LockRequest { Resources = new[] { "fastband:leader" } }));
        Assert.Equal("ReservedResource", e.ErrorId);
    }

    [Fact]
    public void Only_eligible_agents_may_campaign_and_the_timeout_comes_from_the_config()
    {
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), "leader:\n  heartbeatTimeout: 5s\n  eligible: [orch, ag1]\n");
        var e = Assert.Throws<BlockedException>(() => Leader("bob").Campaign());
        Assert.Equal("NotEligible", e.ErrorId);
        Assert.Contains("orch, ag1", e.Message);
        Assert.Empty(As("x").Store.Leader.Terms(10));
        var won = Leader("ORCH").Campaign();
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromSeconds(5), won.LeaseExpiresAt);
        Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(2, Leader("ag1").Campaign().Term);
    }

    [Fact]
    public void A_campaign_without_an_agent_name_is_refused()
    {
        using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = Dir.Root, Clock = Clock, Environment = Dir.Environment });
        var e = Assert.Throws<InvalidInputException>(() => p.Leader.Campaign());
        Assert.Equal("AgentNameRequired", e.ErrorId);
    }

    [Theory]
    [InlineData("leader:\n  heartbeatTimeout: soon\n", "leader.heartbeatTimeout")]
    [InlineData("leader:\n  term: 3\n", "heartbeatTimeout, eligible")]
    [InlineData("leader:\n  eligible: [\"bad name\"]\n", "not a valid agent name")]
    [InlineData("health:\n  heartbeatLate: 2m\n  heartbeatDead: 1m\n", "heartbeatDead")]
    [InlineData("alerts:\n  webhooks: [\"ftp://x/y\"]\n", "not an http(s) URL")]
    [InlineData("alerts:\n  retries: -1\n", "alerts.retries")]
    public void Bad_settings_are_refused_with_a_clear_sentence(string yaml, string expected)
    {
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), yaml);
        var e = Assert.Throws<InvalidInputException>(() => As("x"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_heartbeat_records_role_host_and_count_and_a_new_run_is_announced_once()
    {
        var ag = Leader("ag1");
        var first = ag.Beat(HeartbeatRole.Orchestrator);
        Assert.False(first.IsLeader);
        Clock.Advance(TimeSpan.FromSeconds(5));
        ag.Beat();
        var hb = As("x").Store.Leader.Heartbeat("ag1")!;
        Assert.Equal(HeartbeatRole.Orchestrator, hb.Role); // kept when not given again
        Assert.Equal(2, hb.Beats);
        Assert.Equal(Environment.MachineName, hb.Host);
        Assert.Single(Events("ag1", LeaderService.HeartbeatEvent));
        Clock.Advance(TimeSpan.FromMinutes(5));
        ag.Beat();
        Assert.Equal(2, Events("ag1", LeaderService.HeartbeatEvent).Count); // back after a silence longer than T
        Assert.Equal("InvalidRole", Assert.Throws<InvalidInputException>(() => ag.Beat("boss")).ErrorId);
        Assert.True(ag.StopBeating().Stopped);
        Assert.Null(As("x").Store.Leader.Heartbeat("ag1"));
    }

    [Fact]
    public void A_leader_lease_removed_by_a_lock_cleanup_still_ends_its_term_and_its_holder_hears_of_the_lapse()
    {
        var orch = Leader("orch");
        orch.Campaign();
        Clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Single(As("x").Locks.Cleanup()); // the expired leader lease, reclaimed by the lock side
        var beat = orch.Beat();
        Assert.False(beat.IsLeader);
        Assert.Contains("Your leader term 1 lapsed", beat.Message);
        var term = As("x").Store.Leader.Terms(1).Single();
        Assert.Equal("lapsed", term.EndReason);
        Assert.Equal(Clock.GetUtcNow() - TimeSpan.FromSeconds(10), term.EndedAt); // the last beat (the campaign) + T
        Assert.Equal(2, Leader("ag1").Campaign().Term);
    }
}

/// <summary>The tests above, unchanged, on a PostgreSQL store (a fresh schema per test through FASTBAND_STORE): heartbeats, campaigns, failover, stale terms.</summary>
[Collection(Concurrency.MultiProcessRaces.Name)] // out of the way of the backup tests that fingerprint the server's WAL position
public sealed class PostgresLeaderServiceTests : LeaderServiceTests
{
    public PostgresLeaderServiceTests() => Dir.UsePostgres("leader");
}
