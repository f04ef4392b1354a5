using Fastband.Core.Leader;
using Fastband.Core.Locks;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>What every store must do for heartbeats and leader terms; the election rules are LeaderService's and tested there.</summary>
public abstract class LeaderStoreConformanceTests : StoreSuite
{
    private Heartbeat Beat(string agent, DateTimeOffset at, long beats = 1, string role = HeartbeatRole.Agent) => new()
    {
        Agent = agent, Role = role, Host = "h-" + agent.ToLowerInvariant(), ProcessId = 40 + (int)beats,
        FirstBeatAt = Now, LastBeatAt = at, Beats = beats,
    };

    private LeaderTerm Term(long term, string agent, string leaseId, long token) => new()
    {
        Term = term, Agent = agent, Host = "h", LeaseId = leaseId, FencingToken = token, StartedAt = Now.AddSeconds(term),
    };

    /// <summary>One campaign as LeaderService runs it, reduced to the store's part: refused while a term is open, else a lease and the next term.</summary>
    private static LeaderTerm? Campaign(IFastbandStore store, string agent, DateTimeOffset now) => store.Leader.Write(tx =>
    {
        var latest = tx.LatestTerm();
        if (latest is { EndedAt: null }) return null;
        long token = tx.Locks.NextFencingToken();
        string leaseId = $"leader-{agent}-{token}";
        tx.Locks.InsertLease(new Lease
        {
            LeaseId = leaseId, FencingToken = token, Resources = new[] { "fastband:leader" }, Mode = LockMode.Exclusive, Agent = agent,
            Host = "h", ProcessId = 1, AcquiredAt = now, RenewedAt = now, ExpiresAt = now.AddMinutes(1),
        });
        tx.Locks.SetResourceToken("fastband:leader", token);
        var term = new LeaderTerm { Term = (latest?.Term ?? 0) + 1, Agent = agent, Host = "h", LeaseId = leaseId, FencingToken = token, StartedAt = now };
        tx.InsertTerm(term);
        return term;
    });

    [Fact]
    public void A_heartbeat_round_trips_and_is_replaced_in_place_under_a_name_that_ignores_case()
    {
        var store = Open();
        store.Leader.Write(tx => { tx.SaveHeartbeat(Beat("Alice", Now)); return 0; });
        var first = store.Leader.Heartbeat("alice")!;
        Assert.Equal(("Alice", HeartbeatRole.Agent, "h-alice", 41, 1L), (first.Agent, first.Role, first.Host, first.ProcessId, first.Beats));
        Assert.Equal((Now, Now), (first.FirstBeatAt, first.LastBeatAt));

        store.Leader.Write(tx => { tx.SaveHeartbeat(Beat("ALICE", Now.AddSeconds(30), beats: 2, role: HeartbeatRole.Orchestrator)); return 0; });
        var second = Assert.Single(store.Leader.Heartbeats());
        Assert.Equal((HeartbeatRole.Orchestrator, 42, 2L), (second.Role, second.ProcessId, second.Beats));
        Assert.Equal(Now.AddSeconds(30), second.LastBeatAt);
        Assert.Equal(2, store.Leader.Write(tx => tx.Heartbeat("aLiCe")!.Beats)); // the transaction reads what it wrote
        Assert.Null(store.Leader.Heartbeat("bob"));
    }

    [Fact]
    public void Heartbeats_list_the_most_recent_first_then_by_name_ignoring_case()
    {
        var store = Open();
        store.Leader.Write(tx =>
        {
            tx.SaveHeartbeat(Beat("old", Now));
            tx.SaveHeartbeat(Beat("b", Now.AddSeconds(5)));
            tx.SaveHeartbeat(Beat("A", Now.AddSeconds(5)));
            tx.SaveHeartbeat(Beat("newest", Now.AddSeconds(9)));
            return 0;
        });
        Assert.Equal(new[] { "newest", "A", "b", "old" }, store.Leader.Heartbeats().Select(h => h.Agent));
    }

    [Fact]
    public void Deleting_a_heartbeat_says_whether_there_was_one()
    {
        var store = Open();
        store.Leader.Write(tx => { tx.SaveHeartbeat(Beat("alice", Now)); tx.SaveHeartbeat(Beat("bob", Now)); return 0; });
        Assert.True(store.Leader.Write(tx => tx.DeleteHeartbeat("ALICE")));
        Assert.False(store.Leader.Write(tx => tx.DeleteHeartbeat("alice")));
        Assert.False(store.Leader.Write(tx => tx.DeleteHeartbeat("nobody")));
        Assert.Equal(new[] { "bob" }, store.Leader.Heartbeats().Select(h => h.Agent));
    }

    [Fact]
    public void Terms_list_newest_first_within_the_limit_and_the_latest_is_the_highest()
    {
        var store = Open();
        Assert.Empty(store.Leader.Terms(10));
        Assert.Null(store.Leader.Write(tx => tx.LatestTerm()));
        store.Leader.Write(tx =>
        {
            for (long t = 1; t <= 3; t++) tx.InsertTerm(Term(t, $"agent{t}", $"lease{t}", 10 * t));
            return 0;
        });
        Assert.Equal(new long[] { 3, 2, 1 }, store.Leader.Terms(int.MaxValue).Select(t => t.Term));
        Assert.Equal(new long[] { 3, 2 }, store.Leader.Terms(2).Select(t => t.Term));
        var latest = store.Leader.Write(tx => tx.LatestTerm())!;
        Assert.Equal((3L, "agent3", "h", "lease3", 30L), (latest.Term, latest.Agent, latest.Host, latest.LeaseId, latest.FencingToken));
        Assert.Equal(Now.AddSeconds(3), latest.StartedAt);
        Assert.Null(latest.EndedAt);
        Assert.Null(latest.EndReason);
    }

    [Fact]
    public void A_term_ends_once_and_a_later_end_of_it_changes_nothing()
    {
        var store = Open();
        store.Leader.Write(tx => { tx.InsertTerm(Term(1, "alice", "l1", 1)); return 0; });
        store.Leader.Write(tx => { tx.EndTerm(1, Now.AddMinutes(1), "lapsed"); return 0; });
        store.Leader.Write(tx => { tx.EndTerm(1, Now.AddMinutes(2), "resigned"); return 0; }); // stale: the term is over
        var ended = Assert.Single(store.Leader.Terms(10));
        Assert.Equal((Now.AddMinutes(1), "lapsed"), (ended.EndedAt!.Value, ended.EndReason));
        store.Leader.Write(tx => { tx.EndTerm(7, Now, "resigned"); return 0; }); // no such term: nothing happens
        Assert.Single(store.Leader.Terms(10));
    }

    [Fact]
    public void A_campaign_is_refused_while_a_term_lasts_and_the_next_one_takes_the_next_term_and_token()
    {
        var store = Open();
        var first = Campaign(store, "alice", Now)!;
        Assert.Equal((1L, 1L), (first.Term, first.FencingToken));
        Assert.Null(Campaign(store, "bob", Now));

        // Renewal: the leader's lease, in the same write as its heartbeat.
        store.Leader.Write(tx =>
        {
            tx.SaveHeartbeat(Beat("alice", Now.AddSeconds(20)));
            tx.Locks.SetExpiry(first.LeaseId, Now.AddSeconds(20), Now.AddMinutes(2));
            return 0;
        });
        Assert.Equal(Now.AddMinutes(2), Assert.Single(store.Locks.Leases()).ExpiresAt);

        store.Leader.Write(tx =>
        {
            tx.Locks.DeleteLease(first.LeaseId);
            tx.EndTerm(first.Term, Now.AddMinutes(1), "resigned");
            return 0;
        });
        var second = Campaign(store, "bob", Now.AddMinutes(1))!;
        Assert.Equal((2L, 2L), (second.Term, second.FencingToken));
        Assert.Equal(2, store.Locks.ResourceToken("fastband:leader"));
        Assert.Equal(second.LeaseId, Assert.Single(store.Locks.Leases()).LeaseId);
        Assert.Equal(new[] { ("bob", (string?)null), ("alice", "resigned") }, store.Leader.Terms(10).Select(t => (t.Agent, t.EndReason)));
    }

    [Fact]
    public void The_lease_tables_share_the_leader_write_and_a_failed_write_leaves_nothing()
    {
        var store = Open();
        long before = store.Locks.Write(tx => tx.NextFencingToken());
        Assert.Throws<InvalidOperationException>(() => store.Leader.Write<int>(tx =>
        {
            tx.SaveHeartbeat(Beat("alice", Now));
            tx.InsertTerm(Term(1, "alice", "l1", tx.Locks.NextFencingToken()));
            tx.Locks.Record(new LockEvent { At = Now, Action = "acquired", LeaseId = "l1", Agent = "alice", Resources = new[] { "fastband:leader" } });
            throw new InvalidOperationException("decided against it");
        }));
        Assert.Empty(store.Leader.Heartbeats());
        Assert.Empty(store.Leader.Terms(10));
        Assert.Empty(store.Locks.History(null, 10));
        Assert.Equal(before + 1, store.Locks.Write(tx => tx.NextFencingToken())); // the rolled-back token was not spent
    }

    [Fact]
    public void Two_connections_campaigning_at_once_elect_exactly_one_leader()
    {
        var stores = new[] { Open(), Open() };
        var won = new LeaderTerm?[2];
        Parallel.For(0, 2, i => won[i] = Campaign(stores[i], $"agent{i}", Now));
        var winner = Assert.Single(won, t => t is not null)!;
        Assert.Equal(1, winner.Term);
        Assert.Equal(winner.Agent, Assert.Single(stores[0].Leader.Terms(10)).Agent);
        Assert.Equal(winner.LeaseId, Assert.Single(stores[1].Locks.Leases()).LeaseId);
    }

    [Fact]
    public void Heartbeats_and_terms_survive_reopening()
    {
        using (var store = CreateStore())
        {
            store.Leader.Write(tx => { tx.SaveHeartbeat(Beat("alice", Now, beats: 5)); tx.InsertTerm(Term(1, "alice", "l1", 4)); return 0; });
        }
        var reopened = Open();
        Assert.Equal(5, reopened.Leader.Heartbeat("alice")!.Beats);
        Assert.Equal(4, Assert.Single(reopened.Leader.Terms(10)).FencingToken);
    }
}

public sealed class SqliteLeaderStoreConformanceTests : LeaderStoreConformanceTests
{
    protected override IFastbandStore CreateStore() => new SqliteStore(Path.Combine(Folder, "leader.db"));
}
