using Fastband.Core.OpsLog;
using Xunit;

namespace Fastband.Core.Tests.OpsLog;

/// <summary>Holds and clearances are enforced: these are the rules an agent's "may I work?" depends on.</summary>
public sealed class DirectiveTests : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly ManualClock _clock = new();

    public void Dispose() => _dir.Dispose();

    private FastbandProject As(string agent) => _dir.Open(agent, _clock);

    private bool MayWork(string agent, string? ticket = null)
    {
        using var p = As(agent);
        return p.Coordination.Check(null, ticket).Allowed;
    }

    [Fact]
    public void The_issue_scenario_no_directive_hold_clearance_lift()
    {
        Assert.True(MayWork("A", "1206"));
        using (var ops = As("ops")) Assert.False(ops.Directives.GetStatus().DirectiveFound);

        using (var ops = As("ops")) ops.Directives.Hold("Database migration in progress");
        Assert.False(MayWork("A"));
        Assert.False(MayWork("B", "1206"));
        Assert.False(MayWork("ops")); // a hold blocks everyone, its author included

        _clock.Advance(TimeSpan.FromMinutes(5));
        using (var ops = As("ops")) ops.Directives.GrantClearance(new[] { "B" }, new[] { "1206", "1207" }, "No conflicts with the migration");
        Assert.True(MayWork("B", "1206"));
        Assert.True(MayWork("B", "1207"));
        Assert.False(MayWork("B", "1208"));
        Assert.False(MayWork("B")); // cleared for those tickets only, not for untargeted work
        Assert.False(MayWork("A", "1206"));

        using (var ops = As("ops"))
        {
            var status = ops.Directives.GetStatus();
            Assert.True(status.IsClearance);
            Assert.False(status.IsHold); // the seed's meaning: the latest directive is not a hold...
            Assert.True(status.HoldInForce); // ...but the hold still stands for everyone not cleared
            Assert.Single(status.ActiveHolds);
            Assert.Equal(new[] { "B" }, status.Latest!.Agents);
            Assert.Equal(new[] { "1206", "1207" }, status.Latest.Tickets);
            ops.Directives.Lift("migration done");
        }
        Assert.True(MayWork("A"));
        Assert.True(MayWork("B", "1208"));
        using (var ops = As("ops"))
        {
            var status = ops.Directives.GetStatus();
            Assert.Empty(status.ActiveHolds);
            Assert.False(status.HoldInForce);
            Assert.Equal(Directive.LiftKind, status.Latest!.Kind);
        }
    }

    [Fact]
    public void A_blocked_answer_names_the_hold_and_its_author()
    {
        long holdId;
        using (var ops = As("ops")) holdId = ops.Directives.Hold("schema change").Id;
        using var a = As("A");
        var answer = a.Coordination.Check(null, "42");
        Assert.False(answer.Allowed);
        Assert.Equal(holdId, Assert.Single(answer.BlockingHolds).Id);
        Assert.Contains("ops", answer.Reason);
        Assert.Contains("schema change", answer.Reason);
    }

    [Fact]
    public void Directives_older_than_the_window_are_ignored()
    {
        using (var ops = As("ops")) ops.Directives.Hold("forgotten hold");
        _clock.Advance(TimeSpan.FromHours(23));
        Assert.False(MayWork("A"));
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.True(MayWork("A"));
        using var p = As("A");
        Assert.False(p.Directives.GetStatus().DirectiveFound);
    }

    [Fact]
    public void The_window_is_configurable()
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, "config.json"), """{ "opsLog": { "directiveWindow": "2h" } }""");
        using (var ops = As("ops")) ops.Directives.Hold("short hold");
        _clock.Advance(TimeSpan.FromMinutes(90));
        Assert.False(MayWork("A"));
        _clock.Advance(TimeSpan.FromMinutes(31));
        Assert.True(MayWork("A"));
    }

    [Fact]
    public void A_scoped_hold_blocks_only_the_agents_and_tickets_it_names()
    {
        using (var ops = As("ops")) ops.Directives.Hold("frontend freeze", new[] { "A,B" }, new[] { "#100" });
        Assert.False(MayWork("A", "100"));
        Assert.False(MayWork("b", "100")); // agent names ignore case
        Assert.True(MayWork("A", "101"));
        Assert.True(MayWork("A"));
        Assert.True(MayWork("C", "100"));
    }

    [Fact]
    public void A_clearance_does_not_reach_holds_posted_after_it()
    {
        using (var ops = As("ops"))
        {
            ops.Directives.Hold("first");
            ops.Directives.GrantClearance(new[] { "B" }, null, "B may go on");
        }
        Assert.True(MayWork("B", "5"));
        using (var ops = As("ops")) ops.Directives.Hold("second, stricter");
        Assert.False(MayWork("B", "5"));
    }

    [Fact]
    public void A_held_agent_cannot_clear_itself_of_a_hold_someone_else_posted()
    {
        using (var ops = As("ops")) ops.Directives.Hold("migration", new[] { "B", "C" });
        using (var b = As("B"))
        {
            var e = Assert.Throws<BlockedException>(() => b.Directives.GrantClearance(new[] { "B" }, null, "I am fine"));
            Assert.Equal("SelfClearance", e.ErrorId);
            Assert.Contains("hold", e.Message);
            Assert.Contains("ops", e.Message);
            // Clearing itself along with another agent is refused as a whole.
            Assert.Throws<BlockedException>(() => b.Directives.GrantClearance(new[] { "c", "b" }, new[] { "5" }, "both of us"));
            Assert.Empty(b.Directives.GetStatus().Clearances);
        }
        Assert.False(MayWork("B"));
        Assert.False(MayWork("C"));

        // B may still clear someone else; the hold's poster may clear anyone, itself included.
        using (var b = As("B")) b.Directives.GrantClearance(new[] { "C" }, null, "C is unaffected");
        Assert.True(MayWork("C"));
        using (var ops = As("ops")) ops.Directives.GrantClearance(new[] { "ops", "B" }, null, "done with B's part");
        Assert.True(MayWork("B"));
    }

    [Fact]
    public void A_clearance_naming_its_author_is_fine_where_no_one_else_holds_it()
    {
        long own;
        using (var a = As("A")) own = a.Directives.Hold("my own freeze").Id;
        using (var a = As("A")) a.Directives.GrantClearance(new[] { "A" }, null, "I may go on");
        Assert.True(MayWork("A"));
        using (var c = As("C")) c.Directives.Hold("C's freeze of D", new[] { "D" });
        using (var b = As("B")) Assert.Throws<BlockedException>(() => b.Directives.GrantClearance(new[] { "B" }, null, "A's hold covers B"));
        using (var a = As("A")) a.Directives.Lift("done", own);
        using (var b = As("B")) b.Directives.GrantClearance(new[] { "B" }, null, "only D is held: nothing to exempt B from");
        Assert.True(MayWork("B"));
    }

    [Fact]
    public void Lifting_one_hold_by_id_leaves_the_others()
    {
        long first;
        using (var ops = As("ops"))
        {
            first = ops.Directives.Hold("one").Id;
            ops.Directives.Hold("two");
            ops.Directives.Lift("one is over", first);
            var status = ops.Directives.GetStatus();
            Assert.Equal("two", Assert.Single(status.ActiveHolds).Reason);
        }
        Assert.False(MayWork("A"));
    }

    [Fact]
    public void Lifting_with_nothing_to_lift_or_an_unknown_id_is_not_found_and_writes_nothing()
    {
        using var ops = As("ops");
        Assert.Equal("NoHold", Assert.Throws<NotFoundException>(() => ops.Directives.Lift()).ErrorId);
        long id = ops.Directives.Hold("h").Id;
        Assert.Equal("HoldNotFound", Assert.Throws<NotFoundException>(() => ops.Directives.Lift(null, id + 100)).ErrorId);
        Assert.Equal(1, ops.Store.OpsLog.Count());
    }

    [Fact]
    public void A_hold_written_by_hand_without_metadata_still_blocks_everyone()
    {
        using (var ops = As("ops")) ops.OpsLog.Write("hold", "HOLD: manual");
        Assert.False(MayWork("anyone", "1"));
    }

    [Fact]
    public void A_clearance_needs_agents_and_a_request_needs_tickets()
    {
        using var p = As("A");
        Assert.Equal("NoAgents", Assert.Throws<InvalidInputException>(() => p.Directives.GrantClearance(Array.Empty<string>(), null, "r")).ErrorId);
        Assert.Equal("NoTickets", Assert.Throws<InvalidInputException>(() => p.Directives.RequestClearance(Array.Empty<string>(), "r")).ErrorId);
        Assert.Equal("InvalidAgentName", Assert.Throws<InvalidInputException>(() => p.Directives.Hold("r", new[] { "bad name!" })).ErrorId);
        Assert.Equal(0, p.Store.OpsLog.Count());
    }

    [Fact]
    public void A_clearance_request_says_how_many_other_active_agents_were_notified()
    {
        using (var b = As("B")) b.Agents.Register();
        using (var c = As("C")) c.Agents.Register();
        using (var old = As("Old")) old.Agents.Register();
        _clock.Advance(TimeSpan.FromHours(3));
        using (var b = As("B")) b.Agents.Register();
        using (var c = As("C")) c.Agents.Register();
        using var a = As("A");
        a.Agents.Register();

        var request = a.Directives.RequestClearance(new[] { "1206", "1207" }, "need the schema");
        Assert.Equal(2, request.NotifiedCount);
        Assert.Equal(new[] { "B", "C" }, request.NotifiedAgents.OrderBy(n => n));
        Assert.Equal("Clearance request posted. 2 other agent(s) notified.", request.Message);
        Assert.Equal(OpsEventType.StatusUpdate, request.Entry.EventType);
        Assert.Equal("clearance_request", request.Entry.Metadata["type"]);
    }

    [Fact]
    public async Task Waiting_returns_as_soon_as_the_hold_is_lifted()
    {
        using (var ops = As("ops")) ops.Directives.Hold("wait for me");
        using var waiter = As("A");
        using var stop = new CancellationTokenSource(); // ends the waiting thread whatever happens to the test
        var wait = Task.Run(() => waiter.Coordination.WaitUntilAllowed(null, null, TimeSpan.FromMinutes(5), stop.Token, TimeSpan.FromMilliseconds(20)));
        try
        {
            await Task.Delay(200);
            Assert.False(wait.IsCompleted);
            using (var ops = As("ops")) ops.Directives.Lift();
            var answer = await wait.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(answer.Allowed);
        }
        finally
        {
            stop.Cancel();
        }
    }

    [Fact]
    public void Waiting_gives_up_at_the_timeout_with_the_blocked_answer()
    {
        // The real clock for both: the wait's timeout must really pass, and a hold stamped by the manual clock would be
        // judged against the real one's directive window (24 h back from the real now).
        using (var ops = _dir.Open("ops")) ops.Directives.Hold("long");
        using var p = _dir.Open("A");
        var answer = p.Coordination.WaitUntilAllowed(null, null, TimeSpan.FromMilliseconds(150), CancellationToken.None, TimeSpan.FromMilliseconds(20));
        Assert.False(answer.Allowed);
    }

    [Fact]
    public void A_hold_that_lands_between_the_two_reads_of_a_check_is_not_missed()
    {
        using var a = As("A");
        using var ops = As("ops");
        a.Rebuilds.Announce("webapp", null, null, "requested");
        // The check reads holds, then rebuilds. Meanwhile ops posts a hold and the rebuild completes: the first
        // read saw no hold, the second no rebuild. The probe lets both writes land inside the read window.
        bool landed = false;
        var coordinator = new Coordinator(a.Directives, a.Rebuilds, a.Agents, a.Caller, a.Config.OpsLog, _clock, () =>
        {
            long latest = a.OpsLog.LatestId();
            if (landed) return latest;
            landed = true;
            ops.Directives.Hold("migration starts now");
            a.Rebuilds.Announce("webapp", null, null, "complete");
            return latest; // the id from before the writes: the writes happen "during" the reads that follow
        });
        var answer = coordinator.Check("B");
        Assert.True(landed);
        Assert.False(answer.Allowed, answer.Reason);
        Assert.Contains("migration starts now", answer.Reason);
    }
}
