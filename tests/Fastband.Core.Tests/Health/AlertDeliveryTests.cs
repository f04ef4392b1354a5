using System.Text.Json;
using Fastband.Core.Alerts;
using Fastband.Core.Tests.Leader;
using Xunit;

namespace Fastband.Core.Tests.Health;

/// <summary>Webhook alerts against a real HTTP listener on 127.0.0.1.</summary>
public sealed class AlertDeliveryTests : ProjectTest
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // a hang guard, not a timing assertion

    private (AlertService Alerts, MemoryEventRecorder Recorder) Wire(params string[] urls)
    {
        var p = As("ops");
        var settings = new AlertSettings { Webhooks = urls.Select(u => new Uri(u)).ToArray(), Timeout = TimeSpan.FromSeconds(10), Retries = 1 };
        var alerts = new AlertService(settings, p.StateDirectory, p.Root, Clock);
        var recorder = new MemoryEventRecorder(Clock, "ag1");
        alerts.Attach(recorder);
        return (alerts, recorder);
    }

    [Fact]
    public void Every_error_event_is_POSTed_as_JSON_to_every_webhook_and_nothing_else_is()
    {
        using var a = new WebhookListener(WebhookListener.FreePort());
        using var b = new WebhookListener(WebhookListener.FreePort());
        var (alerts, recorder) = Wire(a.Url, b.Url);
        recorder.Record("heartbeat", "not an error");
        var error = recorder.Record("error", "Failed to acquire lock on events.log <&>");
        Assert.True(alerts.WaitForDeliveries(Patience));
        foreach (var listener in new[] { a, b })
        {
            Assert.True(listener.Received.TryTake(out var got, Patience));
            Assert.Equal("POST", got.Method);
            Assert.StartsWith("application/json", got.ContentType);
            using var doc = JsonDocument.Parse(got.Body);
            var root = doc.RootElement;
            Assert.Equal(got.AlertId, root.GetProperty("alertId").GetString());
            Assert.Equal("Failed to acquire lock on events.log <&>", root.GetProperty("event").GetProperty("content").GetString());
            Assert.Equal("error", root.GetProperty("event").GetProperty("type").GetString());
            Assert.Equal(error.Id, root.GetProperty("event").GetProperty("id").GetInt64());
            Assert.Equal("ag1", root.GetProperty("event").GetProperty("actor").GetString());
            Assert.Contains("ag1: Failed to acquire lock", root.GetProperty("text").GetString());
            Assert.Empty(listener.Received); // one POST: the heartbeat event sent nothing
        }
        Assert.Empty(alerts.Pending());
    }

    [Fact]
    public void An_alert_the_webhook_could_not_take_stays_in_the_outbox_and_is_delivered_by_a_later_flush()
    {
        int port = WebhookListener.FreePort();
        string url = $"http://127.0.0.1:{port}/hooks/secret-token-123";
        var (alerts, recorder) = Wire(url);
        var written = recorder.Record("error", "disk full while writing communication.md");
        Assert.True(alerts.WaitForDeliveries(Patience));
        var pending = Assert.Single(alerts.Pending());
        Assert.Equal(2, pending.Attempts); // one try and one retry
        Assert.Contains("unreachable", pending.LastError);
        Assert.DoesNotContain("secret-token-123", pending.Webhook);
        Assert.DoesNotContain("secret-token-123", File.ReadAllText(Directory.GetFiles(alerts.OutboxDirectory).Single()));

        using var listener = new WebhookListener(port); // the receiver is back
        var flushed = alerts.Flush();
        Assert.Equal(1, flushed.Delivered);
        Assert.Empty(flushed.Pending);
        Assert.True(listener.Received.TryTake(out var got, Patience));
        Assert.Equal(pending.AlertId, got.AlertId);
        Assert.Contains("disk full", got.Body);
        Assert.Equal(written.Id, JsonDocument.Parse(got.Body).RootElement.GetProperty("event").GetProperty("id").GetInt64());
        Assert.Empty(Directory.GetFiles(alerts.OutboxDirectory));
    }

    [Fact]
    public void A_slow_webhook_does_not_hold_up_the_write_of_the_event()
    {
        using var release = new ManualResetEventSlim();
        using var slow = new WebhookListener(WebhookListener.FreePort(), holdUntil: release);
        var (alerts, recorder) = Wire(slow.Url);
        // Record on another thread, so that if it waited for the webhook the test would still end (as a failure).
        using var written = new ManualResetEventSlim();
        new Thread(() => { recorder.Record("error", "orchestrator unreachable"); written.Set(); }) { IsBackground = true }.Start();
        Assert.True(written.Wait(Patience), "recording the event waited for the webhook");
        Assert.True(slow.Arrived.Wait(Patience), "the alert never reached the webhook");
        // The event is written and the POST is still being held by the listener: the write did not wait for it.
        Assert.Single(recorder.OfType("error"));
        Assert.Empty(slow.Received);
        Assert.False(alerts.WaitForDeliveries(TimeSpan.Zero));
        release.Set();
        Assert.True(alerts.WaitForDeliveries(Patience));
        Assert.Single(slow.Received);
        Assert.Empty(alerts.Pending());
    }

    [Fact]
    public void Without_webhooks_nothing_is_queued_and_the_environment_adds_webhooks()
    {
        var (alerts, recorder) = Wire();
        recorder.Record("error", "x");
        Assert.Empty(alerts.Pending());
        Assert.False(Directory.Exists(alerts.OutboxDirectory));

        using var p = FastbandProject.Open(new ProjectOptions
        {
            ProjectPath = Dir.Root, Agent = "x", Clock = Clock,
            Environment = name => name == AlertSettings.EnvironmentVariable ? "http://127.0.0.1:9/a, https://hooks.example.com/T0/B1/secret" : null,
        });
        Assert.Equal(new[] { "http://127.0.0.1:9/…", "https://hooks.example.com/…" }, p.Alerts.Webhooks);
        var e = Assert.Throws<InvalidInputException>(() => FastbandProject.Open(new ProjectOptions
        {
            ProjectPath = Dir.Root, Agent = "x", Environment = name => name == AlertSettings.EnvironmentVariable ? "not a url/secret" : null,
        }));
        Assert.Contains(AlertSettings.EnvironmentVariable, e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }

    [Fact]
    public void A_claim_left_by_a_dead_process_goes_back_into_the_outbox()
    {
        using var listener = new WebhookListener(WebhookListener.FreePort());
        var (alerts, _) = Wire(listener.Url);
        var alert = alerts.Enqueue(new Fastband.Core.Events.EventNotice(7, 1, "ag1", "error", "boom", Clock.GetUtcNow())).Single();
        string file = Directory.GetFiles(alerts.OutboxDirectory).Single();
        File.Move(file, file + ".999999.1.sending"); // as if a process (now gone) had claimed it and died mid-POST
        Assert.Empty(alerts.Pending());
        var flushed = alerts.Flush();
        Assert.Equal(1, flushed.Delivered);
        Assert.True(listener.Received.TryTake(out var got, Patience));
        Assert.Equal(alert.AlertId, got.AlertId);
    }

    [Fact]
    public void A_webhook_that_is_down_is_tried_once_per_flush_however_many_alerts_wait_for_it()
    {
        int port = WebhookListener.FreePort();
        var (alerts, _) = Wire($"http://127.0.0.1:{port}/hook");
        for (int i = 0; i < 5; i++) alerts.Enqueue(new Fastband.Core.Events.EventNotice(i, 1, "ag1", "error", $"e{i}", Clock.GetUtcNow()));
        var flushed = alerts.Flush();
        Assert.Equal(0, flushed.Delivered);
        Assert.Equal(5, flushed.Pending.Count);
        Assert.Equal(new[] { 2, 0, 0, 0, 0 }, flushed.Pending.Select(a => a.Attempts)); // one try and one retry, for the first only

        using var listener = new WebhookListener(port);
        Assert.Equal(5, alerts.Flush().Delivered);
        Assert.Equal(new[] { "e0", "e1", "e2", "e3", "e4" }, listener.Received.Take(5).Select(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetProperty("content").GetString()).Order());
    }
}
