using Fastband.Core.Locks;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>What every store must do for locks; the rules themselves are LockService's and tested there.</summary>
public abstract class LockStoreConformanceTests : StoreSuite
{
    private Lease NewLease(string id, long token, params string[] resources) => new()
    {
        LeaseId = id, FencingToken = token, Resources = resources, Mode = LockMode.Exclusive, Agent = "A", SessionId = "s1",
        Host = "h", ProcessId = 42, ProcessStartedAt = Now.AddMinutes(-5), Reason = "why",
        AcquiredAt = Now, RenewedAt = Now, ExpiresAt = Now.AddHours(1),
    };

    [Fact]
    public void A_lease_round_trips_with_every_field()
    {
        var store = Open();
        store.Locks.Write(tx => { tx.InsertLease(NewLease("l1", 7, "src/a.cs", "docs")); return 0; });
        var back = Assert.Single(store.Locks.Leases());
        Assert.Equal("l1", back.LeaseId);
        Assert.Equal(7, back.FencingToken);
        Assert.Equal(new[] { "docs", "src/a.cs" }, back.Resources.OrderBy(r => r, StringComparer.Ordinal));
        Assert.Equal(("A", "s1", "h", 42, "why"), (back.Agent, back.SessionId, back.Host, back.ProcessId!.Value, back.Reason));
        Assert.Equal(Now.AddMinutes(-5), back.ProcessStartedAt);
        Assert.Equal(Now.AddHours(1), back.ExpiresAt);
    }

    [Fact]
    public void A_failing_transaction_leaves_nothing_behind()
    {
        var store = Open();
        Assert.Throws<InvalidOperationException>(() => store.Locks.Write<int>(tx =>
        {
            tx.InsertLease(NewLease("l1", tx.NextFencingToken(), "x"));
            tx.Record(new LockEvent { At = Now, Action = "acquired", Agent = "A", Resources = new[] { "x" } });
            throw new InvalidOperationException("decided against it");
        }));
        Assert.Empty(store.Locks.Leases());
        Assert.Empty(store.Locks.History(null, 10));
        long next = store.Locks.Write(tx => tx.NextFencingToken());
        Assert.Equal(1, next); // the rolled-back token was not spent
    }

    [Fact]
    public void Fencing_tokens_strictly_increase_across_transactions_and_reopening()
    {
        long a, b, c;
        using (var store = CreateStore())
        {
            a = store.Locks.Write(tx => tx.NextFencingToken());
            b = store.Locks.Write(tx => tx.NextFencingToken());
        }
        c = Open().Locks.Write(tx => tx.NextFencingToken());
        Assert.True(a < b && b < c);
    }

    [Fact]
    public void Resource_tokens_only_move_up()
    {
        var store = Open();
        store.Locks.Write(tx => { tx.SetResourceToken("x", 5); tx.SetResourceToken("x", 3); return 0; });
        Assert.Equal(5, store.Locks.ResourceToken("x"));
        Assert.Null(store.Locks.ResourceToken("y"));
    }

    [Fact]
    public void Deleting_a_lease_removes_its_resources_and_resources_can_be_removed_one_by_one()
    {
        var store = Open();
        store.Locks.Write(tx => { tx.InsertLease(NewLease("l1", 1, "a", "b")); tx.InsertLease(NewLease("l2", 2, "c")); return 0; });
        store.Locks.Write(tx => { tx.RemoveResources("l1", new[] { "a" }); tx.DeleteLease("l2"); return 0; });
        var left = Assert.Single(store.Locks.Leases());
        Assert.Equal(new[] { "b" }, left.Resources);
        store.Locks.Write(tx => { tx.InsertLease(NewLease("l2", 3, "c")); return 0; }); // c is free to insert again
        Assert.Equal(2, store.Locks.Leases().Count);
    }

    [Fact]
    public void Expiry_updates_and_waiters_keep_arrival_order()
    {
        var store = Open();
        store.Locks.Write(tx => { tx.InsertLease(NewLease("l1", 1, "a")); tx.SetExpiry("l1", Now.AddMinutes(1), Now.AddHours(3)); return 0; });
        Assert.Equal(Now.AddHours(3), store.Locks.Leases()[0].ExpiresAt);

        var tickets = new List<long>();
        foreach (var agent in new[] { "w1", "w2", "w3" })
            tickets.Add(store.Locks.Write(tx => tx.Enqueue(new LockWaiter
            {
                Agent = agent, Resources = new[] { "a" }, Mode = LockMode.Exclusive, Host = "h", ProcessId = 1, EnqueuedAt = Now, SeenAt = Now,
            })));
        Assert.True(tickets[0] < tickets[1] && tickets[1] < tickets[2]);
        store.Locks.Write(tx => { tx.DeleteWaiter(tickets[1]); tx.TouchWaiter(tickets[2], Now.AddSeconds(9)); return 0; });
        var waiters = store.Locks.Waiters();
        Assert.Equal(new[] { "w1", "w3" }, waiters.Select(w => w.Agent));
        Assert.Equal(Now.AddSeconds(9), waiters[1].SeenAt);
        Assert.Equal(new[] { "a" }, waiters[0].Resources);
    }

    [Fact]
    public void History_is_newest_first_filterable_and_knows_a_lease_s_last_event()
    {
        var store = Open();
        store.Locks.Write(tx =>
        {
            tx.Record(new LockEvent { At = Now, Action = "acquired", LeaseId = "l1", Agent = "A", Resources = new[] { "a" }, FencingToken = 1 });
            tx.Record(new LockEvent { At = Now.AddSeconds(1), Action = "refused", Agent = "B", Resources = new[] { "a" }, Detail = "held by A" });
            tx.Record(new LockEvent { At = Now.AddSeconds(2), Action = "released", LeaseId = "l1", Agent = "A", Resources = new[] { "a" }, FencingToken = 1 });
            return 0;
        });
        Assert.Equal(new[] { "released", "refused", "acquired" }, store.Locks.History(null, 10).Select(e => e.Action));
        Assert.Equal("held by A", Assert.Single(store.Locks.History(new[] { "refused" }, 10)).Detail);
        Assert.Equal("released", store.Locks.LastEvent("l1")!.Action);
        Assert.Null(store.Locks.LastEvent("nope"));
    }
}

public sealed class SqliteLockStoreConformanceTests : LockStoreConformanceTests
{
    protected override IFastbandStore CreateStore() => new SqliteStore(Path.Combine(Folder, "locks.db"));
}
