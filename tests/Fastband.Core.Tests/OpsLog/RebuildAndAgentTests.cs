using Fastband.Core.OpsLog;
using Xunit;

namespace Fastband.Core.Tests.OpsLog;

public sealed class RebuildAndAgentTests : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly ManualClock _clock = new();

    public void Dispose() => _dir.Dispose();

    private FastbandProject As(string agent) => _dir.Open(agent, _clock);

    [Fact]
    public void A_rebuild_blocks_other_agents_until_it_completes_but_not_its_requester()
    {
        using var a1 = As("A1");
        using var a2 = As("A2");
        var req = a1.Rebuilds.Announce("webapp", "1205", new[] { "templates/base.html,static/css/main.css" }, "requested");
        Assert.Equal(OpsEventType.RebuildRequested, req.EventType);
        Assert.Equal("REBUILD REQUESTED for webapp (Ticket #1205)", req.Message);

        var status = Assert.Single(a2.Rebuilds.InProgress());
        Assert.Equal("webapp", status.Container);
        Assert.Equal("A1", status.RequestedBy);
        Assert.Equal(new[] { "templates/base.html", "static/css/main.css" }, status.Files);

        var blocked = a2.Coordination.Check();
        Assert.False(blocked.Allowed);
        Assert.Contains("webapp", blocked.Reason);
        Assert.True(a1.Coordination.Check().Allowed);
        Assert.True(a2.Coordination.GetStatus().RebuildInProgress);

        _clock.Advance(TimeSpan.FromMinutes(3));
        a1.Rebuilds.Announce("webapp", "1205", null, "complete");
        Assert.Empty(a2.Rebuilds.InProgress());
        var done = Assert.Single(a2.Rebuilds.List());
        Assert.False(done.InProgress);
        Assert.Equal(_clock.GetUtcNow(), done.CompletedAt);
        Assert.True(a2.Coordination.Check().Allowed);
    }

    [Fact]
    public void Rebuilds_are_tracked_per_container_and_time_out()
    {
        using var a = As("A");
        a.Rebuilds.Announce("api", null, null, "requested");
        a.Rebuilds.Announce("web", null, null, "requested");
        a.Rebuilds.Announce("api", null, null, "complete");
        Assert.Equal("web", Assert.Single(a.Rebuilds.InProgress()).Container);

        _clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Empty(a.Rebuilds.InProgress());
        Assert.True(a.Rebuilds.List().Single(r => r.Container == "web").TimedOut);
    }

    [Theory]
    [InlineData("web app", "requested", "InvalidContainer")]
    [InlineData("web", "started", "InvalidRebuildStatus")]
    public void Bad_rebuild_input_is_refused(string container, string status, string errorId)
    {
        using var a = As("A");
        Assert.Equal(errorId, Assert.Throws<InvalidInputException>(() => a.Rebuilds.Announce(container, null, null, status)).ErrorId);
        Assert.Equal(0, a.Store.OpsLog.Count());
    }

    [Fact]
    public void Agents_are_active_for_two_hours_after_they_were_last_seen()
    {
        using (var a = As("A")) a.Agents.Register("1205");
        _clock.Advance(TimeSpan.FromMinutes(90));
        using (var b = As("B")) b.Agents.Register();
        using var reader = As("reader");
        Assert.Equal(new[] { "B", "A" }, reader.Agents.Active().Select(x => x.Name));

        _clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(new[] { "B" }, reader.Agents.Active().Select(x => x.Name));
        var all = reader.Agents.List(includeInactive: true);
        Assert.Equal("inactive", all.Single(x => x.Name == "A").Status);

        using (var a = As("A")) a.OpsLog.Write("status_update", "still here"); // any write counts as being seen
        Assert.Equal(2, reader.Agents.Active().Count);
    }

    [Fact]
    public void A_registration_records_where_the_agent_runs()
    {
        using var a = As("A");
        var s = a.Agents.Register();
        Assert.Equal(Environment.MachineName, s.Host);
        Assert.Equal(Environment.ProcessId, s.ProcessId);
        Assert.NotNull(s.ProcessStartedAt);
        Assert.True(s.IsActive);
        Assert.Equal("AgentNotFound", Assert.Throws<NotFoundException>(() => a.Agents.Get("ghost")).ErrorId);
    }

    [Fact]
    public void Ticket_conflicts_name_the_other_active_agents_on_the_ticket()
    {
        using (var b = As("B")) b.OpsLog.Write("ticket_claimed", "claim", "1205");
        using (var c = As("C")) c.Agents.Register("1205");
        using (var d = As("D")) d.Agents.Register("9");
        using var a = As("A");
        a.Agents.Register("1205");

        var conflict = a.Agents.CheckTicket("#1205");
        Assert.True(conflict.HasConflict);
        Assert.Equal(new[] { "B", "C" }, conflict.ConflictingAgents.OrderBy(x => x));
        Assert.Contains("Contact", conflict.Recommendation);
        Assert.False(a.Agents.CheckTicket("77").HasConflict);

        _clock.Advance(TimeSpan.FromHours(3));
        Assert.False(a.Agents.CheckTicket("1205").HasConflict); // inactive agents do not hold tickets
    }

    [Fact]
    public void The_status_summary_has_agents_directive_and_rebuilds()
    {
        using var a = As("A");
        a.Agents.Register("1");
        a.Directives.Hold("freeze");
        a.Rebuilds.Announce("web", "1", null, "requested");
        var s = a.Coordination.GetStatus();
        Assert.Equal("A", Assert.Single(s.ActiveAgents).Name);
        Assert.True(s.Directive.IsHold);
        Assert.True(s.RebuildInProgress);
        Assert.Equal(_clock.GetUtcNow(), s.GeneratedAt);
    }
}
