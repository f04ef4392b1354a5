using Fastband.Core.Events;
using Fastband.Core.Health;
using Fastband.Core.Leader;
using Fastband.Core.Locks;
using Xunit;

namespace Fastband.Core.Tests.Health;

public sealed class HealthServiceTests : ProjectTest
{
    private void Config(string yaml)
    {
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), yaml);
    }

    private static HealthFinding Finding(HealthReport r, string check, string subject) => r.Findings.Single(f => f.Check == check && f.Subject == subject);

    [Fact]
    public void Heartbeats_are_healthy_late_or_dead_by_the_configured_thresholds_and_long_gone_agents_drop_off()
    {
        Config("health:\n  heartbeatLate: 10s\n  heartbeatDead: 60s\n  forgetAfter: 1h\n");
        As("left").Leader.Beat();
        Clock.Advance(TimeSpan.FromHours(2));
        As("gone").Leader.Beat();
        Clock.Advance(TimeSpan.FromSeconds(100));
        As("slow").Leader.Beat();
        Clock.Advance(TimeSpan.FromSeconds(15));
        As("alive").Leader.Beat(HeartbeatRole.Orchestrator);
        Clock.Advance(TimeSpan.FromSeconds(5));

        var report = As("viewer").Health.Run();
        Assert.Equal(HealthState.Healthy, Finding(report, "heartbeats", "alive").State);
        Assert.Equal("healthy", Finding(report, "heartbeats", "alive").Details["status"]);
        Assert.Equal("orchestrator", Finding(report, "heartbeats", "alive").Details["role"]);
        Assert.Equal(HealthState.Warning, Finding(report, "heartbeats", "slow").State);
        Assert.Equal("late", Finding(report, "heartbeats", "slow").Details["status"]);
        Assert.Equal(20.0, Finding(report, "heartbeats", "slow").Details["ageSeconds"]);
        Assert.Equal(HealthState.Unhealthy, Finding(report, "heartbeats", "gone").State);
        Assert.Equal("dead", Finding(report, "heartbeats", "gone").Details["status"]);
        Assert.DoesNotContain(report.Findings, f => f.Subject == "left");
        Assert.Equal(HealthState.Unhealthy, report.State);
    }

    [Fact]
    public void A_live_leader_with_fresh_heartbeats_is_healthy_and_a_lapsed_one_is_not()
    {
        var orch = As("orch");
        orch.Leader.Campaign();
        orch.Leader.Beat(HeartbeatRole.Orchestrator);
        var report = As("viewer").Health.Run();
        Assert.Equal(HealthState.Healthy, report.State);
        var leader = Finding(report, "leader", "orch");
        Assert.Equal(1L, leader.Details["term"]);
        var store = report.Findings.Single(f => f.Check == "store");
        Assert.Equal(HealthState.Healthy, store.State);
        Assert.Equal(orch.Store.SchemaVersion, store.Details["schemaVersion"]);
        Assert.Contains("quick check ok", store.Summary);

        Clock.Advance(TimeSpan.FromSeconds(31));
        report = As("viewer").Health.Run();
        leader = Finding(report, "leader", "orch");
        Assert.Equal(HealthState.Unhealthy, leader.State);
        Assert.Equal("dead", leader.Details["status"]);
        Assert.Contains("lapsed", leader.Summary);
        Assert.Equal(HealthState.Unhealthy, report.State);
    }

    [Fact]
    public void Nobody_leading_yet_is_worth_a_look_but_not_unhealthy()
    {
        var report = As("viewer").Health.Run();
        Assert.Equal(HealthState.Warning, report.Findings.Single(f => f.Check == "leader").State);
        Assert.Equal(HealthState.Warning, report.State);
    }

    [Fact]
    public void The_offline_queue_length_is_its_non_empty_lines()
    {
        var p = As("viewer");
        File.WriteAllText(Path.Combine(Dir.StateDir, OfflineQueueHealthCheck.FileName), "{\"a\":1}\n\n{\"a\":2}\n   \n{\"a\":3}\n");
        var q = p.Health.Run().Findings.Single(f => f.Check == "offlineQueue");
        Assert.Equal(3L, q.Details["length"]);
        Assert.Equal(HealthState.Warning, q.State);
    }

    [Fact]
    public void Recent_error_events_are_counted_within_the_window_and_listed_newest_first()
    {
        var p = As("ag1");
        p.Events.Record("error", "old failure");
        Clock.Advance(TimeSpan.FromHours(25));
        p.Events.Record("error", "Failed to acquire lock on events.log");
        Clock.Advance(TimeSpan.FromSeconds(1));
        p.Events.Record("error", "disk full");
        p.Events.Record("heartbeat", "not an error");
        var report = As("viewer").Health.Run();
        Assert.Equal(new[] { "disk full", "Failed to acquire lock on events.log" }, report.RecentErrors.Select(e => e.Content));
        var errors = report.Findings.Single(f => f.Check == "errors");
        Assert.Equal(2, errors.Details["count"]);
        Assert.Equal(HealthState.Warning, errors.State);
        Assert.Contains("ag1: disk full", errors.Summary);
    }

    [Fact]
    public void The_error_source_is_a_seam_another_event_store_can_fill()
    {
        var p = As("viewer");
        p.Health.ErrorsSince = (since, limit) => new[] { new EventNotice(9, 4, "ag7", "error", "from elsewhere", Clock.GetUtcNow()) };
        Assert.Equal("from elsewhere", Assert.Single(p.Health.Run().RecentErrors).Content);
    }

    [Fact]
    public void Stale_locks_are_reported_but_a_lapsed_leader_lease_only_under_leader()
    {
        var bob = As("bob");
        bob.Locks.Acquire(new LockRequest { Resources = new[] { "src/a.cs" }, Ttl = TimeSpan.FromMinutes(1) });
        As("orch").Leader.Campaign();
        Clock.Advance(TimeSpan.FromMinutes(2));
        var locks = As("viewer").Health.Run().Findings.Single(f => f.Check == "locks");
        Assert.Equal(HealthState.Warning, locks.State);
        Assert.Equal(1, locks.Details["count"]);
        Assert.Contains("src/a.cs", locks.Summary);
    }

    private sealed class Broken : IHealthCheck
    {
        public string Name => "broken";
        public IEnumerable<HealthFinding> Check(DateTimeOffset now) => throw new IOException("the disk went away");
    }

    [Fact]
    public void A_check_that_fails_is_an_unhealthy_finding_and_the_other_checks_still_run()
    {
        var p = As("viewer");
        p.Health.Register(new Broken());
        var report = p.Health.Run();
        var broken = report.Findings.Single(f => f.Check == "broken");
        Assert.Equal(HealthState.Unhealthy, broken.State);
        Assert.Contains("the disk went away", broken.Summary);
        Assert.Contains(report.Findings, f => f.Check == "store");
        Assert.Equal(HealthState.Unhealthy, report.State);
    }

    [Fact]
    public void The_dashboard_escapes_everything_that_comes_from_data()
    {
        var p = As("viewer");
        p.Health.ErrorsSince = (_, _) => new[] { new EventNotice(1, 1, "ag1", "error", "<img src=x onerror=alert(1)> & \"quotes\"", Clock.GetUtcNow()) };
        string html = HealthDashboard.Render(p.Health.Run());
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http", html.Replace("http-equiv", ""), StringComparison.OrdinalIgnoreCase); // no external asset
    }
}
