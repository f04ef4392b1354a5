using System.Diagnostics;
using System.Text.Json;
using Fastband.Core.Tests;
using Fastband.Core.Tests.Health;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>Heartbeats, leader failover, health and alerts through the real fastband process.</summary>
public sealed class LeaderCliTests : IDisposable
{
    private readonly CliRunner _cli = new();
    public void Dispose() => _cli.Dispose();

    private void Config(string yaml)
    {
        Directory.CreateDirectory(Path.Combine(_cli.Root, ".fastband"));
        File.WriteAllText(Path.Combine(_cli.Root, ".fastband", "config.yaml"), yaml);
    }

    private CliRunner.Result Ok(string agent, params string[] args)
    {
        var r = _cli.As(agent, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>Polls until <paramref name="done"/> holds: a wait for an outcome, not a timing assertion.</summary>
    private static void WaitUntil(Func<bool> done, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(90)) Assert.Fail($"gave up waiting until {what}");
            Thread.Sleep(200);
        }
    }

    [Fact]
    public void When_the_orchestrator_process_is_killed_its_heartbeat_goes_stale_another_agent_wins_the_next_term_and_the_old_term_is_refused()
    {
        Config("leader:\n  heartbeatTimeout: 3s\nhealth:\n  heartbeatLate: 3s\n  heartbeatDead: 6s\n");
        var won = Ok("orch", "leader", "campaign", "--json").Json;
        Assert.Equal(1, won.GetProperty("term").GetInt64());
        Assert.True(won.GetProperty("elected").GetBoolean());

        // The orchestrator: a long-running heartbeat loop, as a real process.
        using var orchestrator = _cli.Start(new[] { "--agent", "orch", "heartbeat", "--role", "orchestrator", "--every", "500ms", "--json" });
        using (var firstBeat = JsonDocument.Parse(orchestrator.ReadLine("the orchestrator's first heartbeat line")))
        {
            Assert.True(firstBeat.RootElement.GetProperty("isLeader").GetBoolean());
            Assert.Equal(1, firstBeat.RootElement.GetProperty("term").GetInt64());
        }

        // While it beats, a campaign is refused, naming the leader and the age of its heartbeat.
        var refused = _cli.As("ag1", "leader", "campaign");
        Assert.Equal(3, refused.ExitCode);
        Assert.Matches(@"orch leads in term 1 and its last heartbeat was \d+s ago", refused.Stderr);
        Assert.Equal(0, _cli.As("orch", "leader", "check", "--term", "1").ExitCode);
        Assert.Equal(0, _cli.Run("health").ExitCode);

        orchestrator.Kill(); // SIGKILL, and returns once it is gone
        WaitUntil(() => !_cli.Run("leader", "show", "--json").Json.GetProperty("hasLeader").GetBoolean(), "the orchestrator's lease lapsed");

        var health = _cli.Run("health", "--json");
        Assert.True(health.ExitCode == 1, health.ToString()); // the lapsed leader is unhealthy
        var leaderFinding = health.Json.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("check").GetString() == "leader");
        Assert.Equal("unhealthy", leaderFinding.GetProperty("state").GetString());
        Assert.Equal("unhealthy", health.Json.GetProperty("state").GetString());

        // From here on nothing waits for a lapse: the next leader's lease lasts a minute, so the checks below cannot
        // outlive it however slowly a busy machine starts each process.
        Config("leader:\n  heartbeatTimeout: 60s\nhealth:\n  heartbeatLate: 30s\n  heartbeatDead: 60s\n");
        var second = Ok("ag1", "leader", "campaign", "--json").Json;
        Assert.Equal(2, second.GetProperty("term").GetInt64());
        Assert.Equal("ag1", second.GetProperty("leader").GetString());

        // The old orchestrator (restarted, still believing in term 1) is refused on every leader action.
        var stale = _cli.As("orch", "leader", "check", "--term", "1");
        Assert.Equal(3, stale.ExitCode);
        Assert.Contains("ag1 leads in term 2", stale.Stderr);
        Assert.Equal(3, _cli.As("orch", "heartbeat", "--term", "1").ExitCode);
        Assert.Equal(3, _cli.As("orch", "leader", "resign", "--term", "1").ExitCode);
        Assert.Equal(0, _cli.As("ag1", "leader", "check", "--term", "2").ExitCode);

        var history = _cli.Run("leader", "history", "--json").Json;
        Assert.Equal("lapsed", history[1].GetProperty("endReason").GetString());
        var log = _cli.Run("events", "read").Stdout;
        Assert.Contains("leader_election: ag1 won leader term 2 after orch's term 1 (lapsed", log);
        Assert.Contains("error: orch acted as leader with term 1 and was refused", log);

        // Resigning hands over at once.
        Ok("ag1", "leader", "resign", "--term", "2");
        Assert.Equal(3, Ok("ag2", "leader", "campaign", "--json").Json.GetProperty("term").GetInt64());
    }

    [Fact]
    public void Health_json_is_the_report_and_html_writes_the_dashboard()
    {
        Ok("ag1", "heartbeat", "--role", "agent");
        string html = Path.Combine(_cli.Root, "dash.html");
        var r = _cli.Run("health", "--json", "--html", html);
        Assert.True(r.ExitCode == 0, r.ToString()); // nobody leads: a warning, not a failure
        Assert.Equal("warning", r.Json.GetProperty("state").GetString());
        var checks = r.Json.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("check").GetString()).ToHashSet();
        foreach (var c in new[] { "store", "leader", "heartbeats", "locks", "offlineQueue", "alerts", "errors" }) Assert.Contains(c, checks);
        string page = File.ReadAllText(html);
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("ag1", page);
    }

    [Theory]
    [InlineData(2, "heartbeat", "--role", "boss")]
    [InlineData(2, "heartbeat", "--every", "1h")]
    [InlineData(2, "leader", "check")]
    [InlineData(2, "leader", "check", "--term", "0")]
    [InlineData(4, "leader", "resign")]
    [InlineData(2, "health", "--html", "/nonexistent-folder/dash.html")]
    public void Bad_input_is_refused_with_a_sentence_and_the_right_exit_code_and_writes_nothing(int exit, params string[] args)
    {
        _cli.CreateStore();
        var r = _cli.As("ag1", args);
        Assert.True(r.ExitCode == exit, r.ToString());
        Assert.StartsWith("fastband: ", r.Stderr);
        Assert.Empty(JsonDocument.Parse(_cli.Run("leader", "history", "--json").Stdout).RootElement.EnumerateArray());
        Assert.DoesNotContain("ag1", _cli.Run("health").Stdout);
    }

    [Fact]
    public void An_error_event_is_posted_to_the_webhook_from_the_environment_and_one_that_failed_is_delivered_by_flush()
    {
        int port = WebhookListener.FreePort();
        var env = new Dictionary<string, string> { ["FASTBAND_ALERT_WEBHOOKS"] = $"http://127.0.0.1:{port}/hooks/secret-token-123" };
        Config("alerts:\n  timeout: 2s\n  retries: 0\n");
        Ok("orch", "leader", "campaign");

        // The receiver is down: the stale action is still refused as it should be, and the alert waits.
        var stale = _cli.RunIn(null, env, "--agent", "ag1", "leader", "check", "--term", "1");
        Assert.Equal(3, stale.ExitCode);
        var pending = _cli.RunIn(null, env, "alerts", "list", "--json");
        var alert = Assert.Single(pending.Json.EnumerateArray().ToList());
        Assert.DoesNotContain("secret-token-123", pending.Stdout);
        Assert.Contains("ag1 acted as leader with term 1", alert.GetProperty("content").GetString());

        using var listener = new WebhookListener(port);
        var flushed = _cli.RunIn(null, env, "alerts", "flush", "--json");
        Assert.True(flushed.ExitCode == 0, flushed.ToString());
        Assert.Equal(1, flushed.Json.GetProperty("delivered").GetInt32());
        Assert.True(listener.Received.TryTake(out var got, TimeSpan.FromSeconds(60)));
        Assert.Equal(alert.GetProperty("alertId").GetString(), got.AlertId);
        Assert.Contains("ag1 acted as leader with term 1", got.Body);
        Assert.Empty(_cli.RunIn(null, env, "alerts", "list", "--json").Json.EnumerateArray());

        // With the receiver up, the next error is delivered by the process that wrote it (or, at worst, by a flush).
        Assert.Equal(3, _cli.RunIn(null, env, "--agent", "ag2", "leader", "check", "--term", "1").ExitCode);
        _cli.RunIn(null, env, "alerts", "flush");
        Assert.True(listener.Received.TryTake(out var second, TimeSpan.FromSeconds(60)));
        Assert.Contains("ag2 acted as leader", second.Body);
        Assert.Empty(listener.Received);
    }
}
