using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fastband.Core.Events;
using Fastband.Core.Locks;

namespace Fastband.Core.Alerts;

/// <summary>The JSON body posted to a webhook: the alert's id, a one-line text, where it came from, and the event.</summary>
internal sealed record AlertBody(string AlertId, string Text, string Project, string Host, AlertEvent Event);

/// <summary>The event an alert is about, inside <see cref="AlertBody"/>.</summary>
internal sealed record AlertEvent(long Id, long Interaction, string Actor, string Type, string Content, DateTimeOffset Timestamp);

/// <summary>An alert waiting in the outbox for one webhook.</summary>
public sealed class PendingAlert
{
    public string AlertId { get; init; } = "";

    /// <summary>The webhook shown safely (scheme, host, port): the full URL may carry a secret.</summary>
    public string Webhook { get; init; } = "";

    /// <summary>Which configured webhook (a hash of its URL): an alert waits until a webhook with this key is configured.</summary>
    public string WebhookKey { get; init; } = "";
    public long EventId { get; init; }
    public string Actor { get; init; } = "";
    public string Content { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    public string? LastError { get; init; }

    /// <summary>The exact JSON body that is POSTed.</summary>
    public string Body { get; init; } = "";

    public override string ToString() => $"{AlertId} to {Webhook}: {Actor}: {Content} ({Attempts} attempt(s){(LastError is null ? "" : ", last: " + LastError)})";
}

/// <summary>What a flush of the outbox did.</summary>
public sealed class AlertFlushResult
{
    public int Delivered { get; init; }

    /// <summary>Alerts still in the outbox after this flush (each tried and failed, or waiting for its webhook to be configured again).</summary>
    public IReadOnlyList<PendingAlert> Pending { get; init; } = Array.Empty<PendingAlert>();
    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>
/// Webhook alerts for error events. Queue first, then deliver: the ErrorRecorded handler only writes one small
/// file per webhook into .fastband/alerts/outbox (temp + rename) and starts delivery on a background task, so the
/// write of the event never waits for a webhook and never fails because of one. Delivery POSTs the JSON with a
/// timeout and retries with doubling back-off; an alert it cannot deliver stays in the outbox and is tried again
/// by the next error's delivery, <c>fastband alerts flush</c> and <c>fastband health</c>. A process about to exit
/// waits at most alerts.exitWait for deliveries under way. Deliveries claim a file by renaming it, so two
/// processes never send the same alert at once; a claim left by a process that died is taken back. Delivery is
/// at least once: receivers can drop repeats by <c>alertId</c>.
/// </summary>
public sealed class AlertService : IDisposable
{
    private const string Suffix = ".json";
    private const string ClaimSuffix = ".sending";

    private readonly AlertSettings _settings;
    private readonly string _projectRoot;
    private readonly TimeProvider _clock;
    private readonly List<Task> _deliveries = new();
    private readonly object _gate = new();
    private readonly Func<HttpClient> _client;

    internal AlertService(AlertSettings settings, string stateDirectory, string projectRoot, TimeProvider clock)
    {
        _settings = settings;
        _projectRoot = projectRoot;
        _clock = clock;
        OutboxDirectory = Path.Combine(stateDirectory, "alerts", "outbox");
        var client = new Lazy<HttpClient>(() => new HttpClient { Timeout = settings.Timeout });
        _client = () => client.Value;
    }

    public string OutboxDirectory { get; }

    /// <summary>Alerts go to these webhooks (shown safely).</summary>
    public IReadOnlyList<string> Webhooks => _settings.Webhooks.Select(u => AlertSettings.Redact(u.AbsoluteUri)).ToArray();

    /// <summary>Subscribes to the recorder's error events.</summary>
    public void Attach(IEventRecorder recorder) => recorder.ErrorRecorded += OnError;

    /// <summary>The ErrorRecorded handler: queue, start delivery in the background, return at once. Never throws.</summary>
    internal void OnError(EventNotice notice)
    {
        if (_settings.Webhooks.Count == 0) return;
        try
        {
            Enqueue(notice);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // the event is written and shows in health; an outbox we cannot write must not fail it
        }
        lock (_gate)
        {
            _deliveries.RemoveAll(t => t.IsCompleted);
            _deliveries.Add(Task.Run(() => Flush()));
        }
    }

    /// <summary>Writes the alert for each configured webhook into the outbox, one file each.</summary>
    internal IReadOnlyList<PendingAlert> Enqueue(EventNotice notice)
    {
        Directory.CreateDirectory(OutboxDirectory);
        var now = _clock.GetUtcNow();
        string alertId = $"alert-{now.UtcTicks:x}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        string body = FastbandJson.Serialize(new AlertBody(alertId, $"Fastband error in {Path.GetFileName(_projectRoot)}: {notice.Actor}: {notice.Content}",
            _projectRoot, Environment.MachineName, new AlertEvent(notice.Id, notice.Interaction, notice.Actor, notice.Type, notice.Content, notice.Timestamp)), indented: false);
        var written = new List<PendingAlert>();
        foreach (var hook in _settings.Webhooks)
        {
            var alert = new PendingAlert
            {
                AlertId = alertId, Webhook = AlertSettings.Redact(hook.AbsoluteUri), WebhookKey = KeyOf(hook), EventId = notice.Id,
                Actor = notice.Actor, Content = notice.Content, CreatedAt = now, Body = body,
            };
            Save(Path.Combine(OutboxDirectory, $"{alertId}.{alert.WebhookKey}{Suffix}"), alert);
            written.Add(alert);
        }
        return written;
    }

    /// <summary>Tries every alert in the outbox once (with its retries). Never throws for a webhook's failure.</summary>
    public AlertFlushResult Flush(CancellationToken cancellation = default)
    {
        if (!Directory.Exists(OutboxDirectory)) return new AlertFlushResult { Message = "The alert outbox is empty." };
        ReclaimAbandoned();
        var hooks = _settings.Webhooks.ToDictionary(KeyOf);
        var down = new HashSet<string>(StringComparer.Ordinal);
        int delivered = 0;
        foreach (string file in Directory.GetFiles(OutboxDirectory, "*" + Suffix).Order(StringComparer.Ordinal))
        {
            if (cancellation.IsCancellationRequested) break;
            string claim = $"{file}.{Environment.ProcessId}.{ProcessStartMark}{ClaimSuffix}";
            try { File.Move(file, claim); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; } // another process took it
            var alert = Load(claim);
            if (alert is null) { File.Delete(claim); continue; }
            if (down.Contains(alert.WebhookKey))
            {
                File.Move(claim, file); // its webhook just failed: not tried again in this flush, so a dead receiver costs one timeout, not one per alert
                continue;
            }
            string? error = hooks.TryGetValue(alert.WebhookKey, out var url) ? Post(url, alert, cancellation) : "its webhook is no longer configured";
            if (error is not null) down.Add(alert.WebhookKey);
            if (error is null)
            {
                File.Delete(claim);
                delivered++;
                continue;
            }
            Save(file, new PendingAlert
            {
                AlertId = alert.AlertId, Webhook = alert.Webhook, WebhookKey = alert.WebhookKey, EventId = alert.EventId, Actor = alert.Actor,
                Content = alert.Content, CreatedAt = alert.CreatedAt, Body = alert.Body,
                Attempts = alert.Attempts + (url is null ? 0 : 1 + _settings.Retries), LastAttemptAt = _clock.GetUtcNow(), LastError = error,
            });
            File.Delete(claim);
        }
        var pending = Pending();
        return new AlertFlushResult
        {
            Delivered = delivered, Pending = pending,
            Message = $"Delivered {delivered} alert(s); {pending.Count} still waiting in the outbox"
                      + (pending.Count > 0 ? $" (last error: {pending[^1].LastError ?? "not tried yet"})." : "."),
        };
    }

    /// <summary>The alerts waiting in the outbox, oldest first.</summary>
    public IReadOnlyList<PendingAlert> Pending() =>
        Directory.Exists(OutboxDirectory)
            ? Directory.GetFiles(OutboxDirectory, "*" + Suffix).Order(StringComparer.Ordinal).Select(Load).OfType<PendingAlert>().ToArray()
            : Array.Empty<PendingAlert>();

    /// <summary>Waits at most <paramref name="limit"/> for deliveries under way; what is left stays in the outbox.</summary>
    public bool WaitForDeliveries(TimeSpan limit)
    {
        Task[] running;
        lock (_gate) running = _deliveries.Where(t => !t.IsCompleted).ToArray();
        return running.Length == 0 || Task.WaitAll(running, limit);
    }

    public void Dispose() => WaitForDeliveries(_settings.ExitWait);

    /// <summary>One POST with its retries; null when delivered, else why not.</summary>
    private string? Post(Uri url, PendingAlert alert, CancellationToken cancellation)
    {
        string? error = null;
        for (int attempt = 0; attempt <= _settings.Retries; attempt++)
        {
            if (attempt > 0 && cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200 << (attempt - 1)))) break;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(alert.Body, Encoding.UTF8) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.Add("X-Fastband-Alert-Id", alert.AlertId);
                using var response = _client().Send(request, cancellation);
                if (response.IsSuccessStatusCode) return null;
                error = $"HTTP {(int)response.StatusCode} from {alert.Webhook}";
            }
            catch (HttpRequestException e)
            {
                error = $"{alert.Webhook} unreachable ({e.HttpRequestError})";
            }
            catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
            {
                error = $"{alert.Webhook} did not answer within {TimeSpec.Humanize(_settings.Timeout)}";
            }
            catch (OperationCanceledException)
            {
                return "delivery was cancelled";
            }
        }
        return error;
    }

    /// <summary>Claims left by processes that died mid-delivery go back into the outbox.</summary>
    private void ReclaimAbandoned()
    {
        foreach (string claim in Directory.GetFiles(OutboxDirectory, "*" + ClaimSuffix))
        {
            // name: <alert>.<key>.json.<pid>.<startMark>.sending
            var parts = Path.GetFileName(claim).Split('.');
            if (parts.Length < 5 || !int.TryParse(parts[^3], out int pid) || !long.TryParse(parts[^2], out long mark)) continue;
            var started = mark == 0 ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(mark);
            if (ProcessLiveness.IsAlive(Environment.MachineName, pid, started, Environment.MachineName)) continue;
            string original = Path.Combine(OutboxDirectory, string.Join('.', parts[..^3]));
            try { File.Move(claim, original); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* another flush took it back first */ }
        }
    }

    private static readonly long ProcessStartMark = ProcessLiveness.StartTimeOf(Environment.ProcessId)?.ToUnixTimeMilliseconds() ?? 0;

    private static string KeyOf(Uri url) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..12].ToLowerInvariant();

    private static void Save(string path, PendingAlert alert)
    {
        string temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, FastbandJson.Serialize(alert, indented: false));
        File.Move(temp, path, overwrite: true);
    }

    private static PendingAlert? Load(string path)
    {
        try { return FastbandJson.Deserialize<PendingAlert>(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }
}
