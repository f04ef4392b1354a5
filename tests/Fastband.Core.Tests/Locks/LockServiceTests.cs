using Fastband.Core.Locks;
using Fastband.Core.OpsLog;
using Xunit;

namespace Fastband.Core.Tests.Locks;

public sealed class LockServiceTests : ProjectTest
{
    private static LockRequest Ask(params string[] resources) => new() { Resources = resources };

    [Fact]
    public void A_grant_is_a_lease_with_a_token_owner_and_expiry()
    {
        var a = As("A");
        var r = a.Locks.Acquire(Ask("src/a.cs", "docs") with { Reason = "refactor" });
        Assert.True(r.Granted);
        var lease = r.Lease!;
        Assert.StartsWith("lease-", lease.LeaseId);
        Assert.Equal(new[] { "src/a.cs", "docs" }, lease.Resources);
        Assert.Equal("A", lease.Agent);
        Assert.Equal(Environment.MachineName, lease.Host);
        Assert.Null(lease.ProcessId); // untied: the TTL alone ends it
        Assert.Equal(Clock.GetUtcNow() + LockService.DefaultTtl, lease.ExpiresAt);
        Assert.Equal(LockMode.Exclusive, lease.Mode);
        Assert.True(lease.FencingToken > 0);
    }

    [Fact]
    public void A_conflicting_request_is_refused_with_who_holds_what_since_and_until()
    {
        var a = As("A");
        var held = a.Locks.Acquire(Ask("src")).Lease!;
        Clock.Advance(TimeSpan.FromMinutes(5));
        var r = As("B").Locks.Acquire(Ask("src/a.cs"));
        Assert.False(r.Granted);
        var c = Assert.Single(r.Conflicts);
        Assert.Equal("src/a.cs", c.Requested);
        Assert.Equal("src", c.HeldResource);
        Assert.Equal("A", c.Agent);
        Assert.Equal(held.LeaseId, c.LeaseId);
        Assert.Equal(held.AcquiredAt, c.Since);
        Assert.Equal(held.ExpiresAt, c.Until);
        Assert.Contains("held by A", r.Message);
        Assert.Single(a.Locks.History(new[] { "refused" }, 10));
    }

    [Fact]
    public void Grants_are_all_or_nothing()
    {
        As("A").Locks.Acquire(Ask("b.txt"));
        var b = As("B");
        Assert.False(b.Locks.Acquire(Ask("a.txt", "b.txt")).Granted);
        Assert.True(As("C").Locks.Acquire(Ask("a.txt")).Granted); // a.txt was not left half-taken by B
    }

    [Fact]
    public void Shared_locks_coexist_but_exclude_an_exclusive_one()
    {
        Assert.True(As("A").Locks.Acquire(Ask("schema.sql") with { Shared = true }).Granted);
        Assert.True(As("B").Locks.Acquire(Ask("schema.sql") with { Shared = true }).Granted);
        var c = As("C").Locks.Acquire(Ask("schema.sql"));
        Assert.False(c.Granted);
        Assert.Equal(2, c.Conflicts.Count);
    }

    [Fact]
    public void The_same_owner_asking_again_gets_its_lease_back()
    {
        var a = As("A");
        var first = a.Locks.Acquire(Ask("src/a.cs", "src/b.cs")).Lease!;
        var again = a.Locks.Acquire(Ask("src/b.cs"));
        Assert.True(again.AlreadyHeld);
        Assert.Equal(first.LeaseId, again.Lease!.LeaseId);
        var wider = a.Locks.Acquire(Ask("src")); // overlaps only its own lease: granted, no self-deadlock
        Assert.True(wider.Granted);
        Assert.NotEqual(first.LeaseId, wider.Lease!.LeaseId);
    }

    [Fact]
    public void Fencing_tokens_strictly_increase()
    {
        var a = As("A");
        long t1 = a.Locks.Acquire(Ask("x")).Lease!.FencingToken;
        a.Locks.ReleasePaths(new[] { "x" });
        long t2 = As("B").Locks.Acquire(Ask("x")).Lease!.FencingToken;
        long t3 = As("C").Locks.Acquire(Ask("y")).Lease!.FencingToken;
        Assert.True(t1 < t2 && t2 < t3);
    }

    [Fact]
    public void Renewal_extends_by_the_lease_duration_and_a_lost_lease_is_reported_at_once()
    {
        var a = As("A");
        var lease = a.Locks.Acquire(Ask("x") with { Ttl = TimeSpan.FromMinutes(10) }).Lease!;
        Clock.Advance(TimeSpan.FromMinutes(8));
        var renewed = a.Locks.Renew(lease.LeaseId);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromMinutes(10), renewed.ExpiresAt);
        Assert.Equal(Clock.GetUtcNow() + TimeSpan.FromMinutes(30), a.Locks.Renew(lease.LeaseId, TimeSpan.FromMinutes(30)).ExpiresAt);

        Clock.Advance(TimeSpan.FromMinutes(31));
        var e = Assert.Throws<BlockedException>(() => a.Locks.Renew(lease.LeaseId));
        Assert.Equal("LeaseLost", e.ErrorId);
        Assert.Contains("expired", e.Message);
    }

    [Fact]
    public void An_expired_lease_is_reclaimed_by_the_next_acquirer_with_a_record()
    {
        var a = As("A");
        var lease = a.Locks.Acquire(Ask("x") with { Ttl = TimeSpan.FromMinutes(1) }).Lease!;
        Assert.False(As("B").Locks.Acquire(Ask("x")).Granted);
        Clock.Advance(TimeSpan.FromMinutes(2));
        var r = As("B").Locks.Acquire(Ask("x"));
        Assert.True(r.Granted);
        Assert.Equal(lease.LeaseId, Assert.Single(r.Reclaimed).Lease.LeaseId);
        Assert.Equal("expired", r.Reclaimed[0].Why);
        Assert.Contains("reclaimed", Assert.Throws<BlockedException>(() => a.Locks.Renew(lease.LeaseId)).Message);
    }

    [Fact]
    public void Release_by_id_is_idempotent_and_by_path_touches_only_the_callers_locks()
    {
        var a = As("A");
        var lease = a.Locks.Acquire(Ask("a", "b")).Lease!;
        As("B").Locks.Acquire(Ask("c"));

        var byPath = a.Locks.ReleasePaths(new[] { "a", "c" });
        Assert.Equal(new[] { "a" }, byPath.Resources);
        Assert.Equal(new[] { "b" }, a.Locks.List().Leases.Single(l => l.Agent == "A").Resources);
        Assert.False(As("C").Locks.Acquire(Ask("c")).Granted);

        Assert.True(a.Locks.Release(lease.LeaseId).Released);
        var twice = a.Locks.Release(lease.LeaseId);
        Assert.False(twice.Released);
        Assert.Contains("released", twice.Message);
        Assert.True(As("D").Locks.Acquire(Ask("a", "b")).Granted);
    }

    [Fact]
    public void Breaking_needs_a_reason_is_logged_bumps_the_token_and_invalidates_the_old_holder()
    {
        var a = As("A");
        var lease = a.Locks.Acquire(Ask("src/a.cs")).Lease!;
        Assert.True(a.Locks.Validate(lease.LeaseId, lease.FencingToken).Valid);

        var b = As("B");
        Assert.Equal("ReasonRequired", Assert.Throws<InvalidInputException>(() => b.Locks.Break("src/a.cs", " ")).ErrorId);
        Lease? told = null;
        b.Locks.OnBroken = (l, _) => told = l;
        var broken = b.Locks.Break("src", "A's session is hung");
        Assert.Equal(lease.LeaseId, Assert.Single(broken.Broken).LeaseId);
        Assert.True(broken.NewFencingToken > lease.FencingToken);
        Assert.Equal(lease.LeaseId, told?.LeaseId);

        var check = a.Locks.Validate(lease.LeaseId, lease.FencingToken);
        Assert.False(check.Valid);
        Assert.Contains("broken", check.Reason);
        var logged = b.OpsLog.Read(new OpsLogQuery()).First();
        Assert.Equal("lock_broken", logged.Metadata["type"]);
        Assert.Contains("A's session is hung", logged.Message);

        var next = b.Locks.Acquire(Ask("src/a.cs")).Lease!;
        Assert.True(next.FencingToken > broken.NewFencingToken - 1);
        Assert.False(a.Locks.Validate(next.LeaseId, lease.FencingToken).Valid); // an old token shown with the new lease id
        Assert.True(b.Locks.Validate(next.LeaseId, next.FencingToken).Valid);
        Assert.Equal("NothingToBreak", Assert.Throws<NotFoundException>(() => b.Locks.Break("src/a.cs", "mine")).ErrorId);
    }

    [Fact]
    public void A_broken_lock_s_holder_finds_a_message_saying_who_broke_it_and_why()
    {
        var a = As("A");
        var lease = a.Locks.Acquire(Ask("db/schema.sql")).Lease!; // never registered: the grant itself records A as seen
        As("B").Locks.Break("db", "migration must start now");
        var inbox = a.Messages.Read();
        var told = Assert.Single(inbox);
        Assert.Equal("lock_broken", told.Kind);
        Assert.Equal("B", told.Sender);
        Assert.Contains(lease.LeaseId, told.Body);
        Assert.Contains("migration must start now", told.Body);
    }

    [Fact]
    public void A_handoff_request_reaches_every_holder_of_the_path()
    {
        As("A").Locks.Acquire(Ask("src/a.cs"));
        As("C").Locks.Acquire(Ask("src/b.cs") with { Shared = true });
        var b = As("B");
        var holders = b.Locks.RequestHandoff("src", "need to rename the folder");
        Assert.Equal(new[] { "A", "C" }, holders.Select(h => h.Agent).OrderBy(x => x));
        var request = Assert.Single(As("A").Messages.Read());
        Assert.Equal("handoff_request", request.Kind);
        Assert.Contains("need to rename the folder", request.Body);
        Assert.Equal("NothingHeld", Assert.Throws<NotFoundException>(() => b.Locks.RequestHandoff("docs", null)).ErrorId);
    }

    [Fact]
    public void A_hold_refuses_acquisition_and_a_clearance_for_the_ticket_lets_it_through()
    {
        As("ops").Directives.Hold("migration");
        var a = As("A");
        var e = Assert.Throws<BlockedException>(() => a.Locks.Acquire(Ask("x")));
        Assert.Equal("HoldInForce", e.ErrorId);
        Assert.Contains("migration", e.Message);
        Assert.Empty(a.Locks.List().Leases);

        As("ops").Directives.GrantClearance(new[] { "A" }, new[] { "77" }, "ok for 77");
        Assert.Throws<BlockedException>(() => a.Locks.Acquire(Ask("x")));
        Assert.True(a.Locks.Acquire(Ask("x") with { TicketId = "77" }).Granted);
    }

    [Fact]
    public void Check_lists_conflicts_without_taking_anything()
    {
        As("A").Locks.Acquire(Ask("src/**"));
        var b = As("B");
        Assert.Single(b.Locks.Check(new[] { "src/x/y.cs" }));
        Assert.Empty(b.Locks.Check(new[] { "docs/readme.md" }));
        Assert.Single(b.Locks.List().Leases);
    }

    [Fact]
    public void Cleanup_removes_expired_leases_and_never_a_live_one()
    {
        As("A").Locks.Acquire(Ask("old") with { Ttl = TimeSpan.FromMinutes(1) });
        As("B").Locks.Acquire(Ask("mine") with { TieToCaller = true }); // tied to this (live) test process
        Clock.Advance(TimeSpan.FromMinutes(2));
        var removed = As("C").Locks.Cleanup();
        Assert.Equal("old", Assert.Single(removed).Lease.Resources.Single());
        Assert.Equal("mine", Assert.Single(As("C").Locks.List().Leases).Resources.Single());
    }

    [Fact]
    public void A_tie_to_a_process_that_is_not_running_is_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => As("A").Locks.Acquire(Ask("x") with { OwnerProcessId = int.MaxValue - 7 }));
        Assert.Equal("OwnerNotRunning", e.ErrorId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void An_owner_pid_that_names_no_process_is_refused_and_nothing_is_written(int pid)
    {
        var a = As("A");
        var e = Assert.Throws<InvalidInputException>(() => a.Locks.Acquire(Ask("x") with { OwnerProcessId = pid }));
        Assert.Equal("OwnerNotRunning", e.ErrorId);
        Assert.Contains($"{pid}", e.Message);
        Assert.Empty(a.Locks.List().Leases);
        Assert.Empty(a.Locks.History(null, 10));
    }

    [Fact]
    public void Releasing_another_agents_lease_by_id_is_refused_and_the_lease_stays_held()
    {
        var lease = As("A").Locks.Acquire(Ask("src")).Lease!;
        var b = As("B");

        var e = Assert.Throws<BlockedException>(() => b.Locks.Release(lease.LeaseId));
        Assert.Equal("LeaseHeldByOther", e.ErrorId);
        Assert.Equal($"Lease {lease.LeaseId} is held by A: use lock break with a reason.", e.Message);
        Assert.Equal(lease.LeaseId, Assert.Single(b.Locks.List().Leases).LeaseId);
        Assert.Empty(b.Locks.History(new[] { "released" }, 10));
        Assert.False(As("B").Locks.Acquire(Ask("src/a.cs")).Granted);

        // The holder's own release, and a second one, stay harmless; a gone lease is nobody's.
        Assert.True(As("A").Locks.Release(lease.LeaseId).Released);
        Assert.False(As("A").Locks.Release(lease.LeaseId).Released);
        Assert.False(b.Locks.Release(lease.LeaseId).Released);
    }

    [Fact]
    public void Bad_requests_are_refused_and_take_nothing()
    {
        var a = As("A");
        Assert.Throws<InvalidInputException>(() => a.Locks.Acquire(Ask()));
        Assert.Throws<InvalidInputException>(() => a.Locks.Acquire(Ask("../outside")));
        Assert.Throws<InvalidInputException>(() => a.Locks.Acquire(Ask("x") with { Ttl = TimeSpan.Zero }));
        Assert.Empty(a.Locks.List().Leases);
    }
}
