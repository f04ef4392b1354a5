using Fastband.Core.Locks;
using Xunit;

namespace Fastband.Core.Tests.OpsLog;

/// <summary>
/// A lock grant and an issue claim read the holds, then write in their own transaction: a hold posted in between
/// must still refuse them. The tests post the hold exactly there (the AfterHoldCheck seam) from another project
/// instance, as another process would, and keep a negative control with the in-transaction check turned off.
/// </summary>
public class HoldFenceTests : ProjectTest
{
    private void HoldOnce(FastbandProject ops, Action<Action?> setSeam)
    {
        setSeam(() =>
        {
            setSeam(null); // once: the retry reads the holds again and must see this one
            ops.Directives.Hold("Freeze: migration starting");
        });
    }

    [Fact]
    public void A_hold_posted_between_the_check_and_the_grant_refuses_the_lock()
    {
        var ops = As("ops");
        var agent = As("A");
        HoldOnce(ops, seam => agent.Locks.AfterHoldCheck = seam);
        var e = Assert.Throws<BlockedException>(() => agent.Locks.Acquire(new LockRequest { Resources = new[] { "src/a.cs" } }));
        Assert.Equal("HoldInForce", e.ErrorId);
        Assert.Contains("Freeze: migration starting", e.Message);
        Assert.Empty(agent.Locks.List().Leases);
    }

    [Fact]
    public void Negative_control_without_the_in_transaction_check_the_same_interleaving_grants_the_lock()
    {
        var ops = As("ops");
        var agent = As("A");
        agent.Locks.FenceHolds = false;
        HoldOnce(ops, seam => agent.Locks.AfterHoldCheck = seam);
        var granted = agent.Locks.Acquire(new LockRequest { Resources = new[] { "src/a.cs" } });
        Assert.NotNull(granted.Lease);
        Assert.False(ops.Coordination.Check("A").Allowed); // the hold was in force when the lease was granted
    }

    [Fact]
    public void A_hold_posted_between_the_check_and_the_claim_refuses_the_claim()
    {
        var ops = As("ops");
        var agent = As("A");
        var issue = ops.Issues.Create("Fix the header", "high");
        HoldOnce(ops, seam => agent.Issues.AfterHoldCheck = seam);
        var e = Assert.Throws<BlockedException>(() => agent.Issues.Claim(issue.Id));
        Assert.Equal("HoldInForce", e.ErrorId);
        Assert.Null(agent.Issues.Get(issue.Id).AssignedTo);
    }

    [Fact]
    public void Negative_control_without_the_in_transaction_check_the_same_interleaving_claims_the_issue()
    {
        var ops = As("ops");
        var agent = As("A");
        var issue = ops.Issues.Create("Fix the header", "high");
        agent.Issues.FenceHolds = false;
        HoldOnce(ops, seam => agent.Issues.AfterHoldCheck = seam);
        Assert.Equal("A", agent.Issues.Claim(issue.Id).AssignedTo);
    }

    [Fact]
    public void An_ops_log_entry_that_is_not_a_directive_landing_in_between_does_not_stop_the_grant()
    {
        var ops = As("ops");
        var agent = As("A");
        ops.Directives.Hold("Freeze on ticket 7 only", tickets: new[] { "7" });
        // A note in between moves nothing: granted on the first try.
        agent.Locks.AfterHoldCheck = () => { agent.Locks.AfterHoldCheck = null; ops.OpsLog.Write("general", "just a note"); };
        Assert.NotNull(agent.Locks.Acquire(new LockRequest { Resources = new[] { "src/b.cs" } }).Lease);
    }
}

public sealed class PostgresHoldFenceTests : HoldFenceTests
{
    public PostgresHoldFenceTests() => Dir.UsePostgres("fence");
}
