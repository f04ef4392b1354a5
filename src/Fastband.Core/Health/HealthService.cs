using Fastband.Core.Alerts;
using Fastband.Core.Events;

namespace Fastband.Core.Health;

/// <summary>Everything <c>fastband health</c> found: the worst state, each finding, and the recent errors.</summary>
public sealed class HealthReport
{
    /// <summary>The worst state of all findings: unhealthy makes <c>fastband health</c> exit 1.</summary>
    public HealthState State { get; init; }
    public string Project { get; init; } = "";
    public DateTimeOffset CheckedAt { get; init; }
    public IReadOnlyList<HealthFinding> Findings { get; init; } = Array.Empty<HealthFinding>();

    /// <summary>The newest error events of the error window (at most <see cref="HealthService.RecentErrorLimit"/>), newest first.</summary>
    public IReadOnlyList<EventNotice> RecentErrors { get; init; } = Array.Empty<EventNotice>();
    public string Summary { get; init; } = "";

    public override string ToString() => Summary;
}

/// <summary>
/// Runs every registered <see cref="IHealthCheck"/> and reports the worst state. A check that throws is itself an
/// unhealthy finding, so one broken feature never hides the others. Before checking, alerts waiting in the outbox
/// are tried again, so a health run (a cron job, a human) also retries undelivered alerts.
/// </summary>
public sealed class HealthService
{
    public const int RecentErrorLimit = 20;

    private readonly List<IHealthCheck> _checks = new();
    private readonly string _project;
    private readonly HealthSettings _settings;
    private readonly TimeProvider _clock;
    private readonly AlertService? _alerts;

    internal HealthService(string project, HealthSettings settings, TimeProvider clock, AlertService? alerts)
    {
        _project = project;
        _settings = settings;
        _clock = clock;
        _alerts = alerts;
    }

    /// <summary>
    /// Where the recent error events come from. FastbandProject connects it to the event recorder in use; a test or
    /// another event store may connect its own.
    /// </summary>
    public Func<DateTimeOffset, int, IReadOnlyList<EventNotice>> ErrorsSince { get; set; } = (_, _) => Array.Empty<EventNotice>();

    public IReadOnlyList<IHealthCheck> Checks => _checks;

    /// <summary>Adds a feature's check; checks run in the order added.</summary>
    public void Register(IHealthCheck check) => _checks.Add(check);

    /// <summary>Runs every check and, when <paramref name="dashboardPath"/> is given, writes the HTML dashboard of the report there.</summary>
    public HealthReport Run(string? dashboardPath)
    {
        var report = Run();
        if (dashboardPath is not null) HealthDashboard.Write(report, dashboardPath);
        return report;
    }

    public HealthReport Run()
    {
        _alerts?.Flush();
        var now = _clock.GetUtcNow();
        var findings = new List<HealthFinding>();
        foreach (var check in _checks)
        {
            try
            {
                findings.AddRange(check.Check(now));
            }
            catch (Exception e) when (IsCheckFailure(e))
            {
                findings.Add(new HealthFinding(check.Name, "-", HealthState.Unhealthy, $"The {check.Name} check failed: {OneLine(e.Message)}"));
            }
        }
        IReadOnlyList<EventNotice> errors = Array.Empty<EventNotice>();
        try
        {
            errors = ErrorsSince(now - _settings.ErrorWindow, RecentErrorLimit);
            findings.Add(ErrorFinding(errors, now));
        }
        catch (Exception e) when (IsCheckFailure(e))
        {
            findings.Add(new HealthFinding("errors", "events", HealthState.Unhealthy, $"The error events could not be read: {OneLine(e.Message)}"));
        }
        var state = findings.Count == 0 ? HealthState.Healthy : findings.Max(f => f.State);
        int bad = findings.Count(f => f.State == HealthState.Unhealthy), warn = findings.Count(f => f.State == HealthState.Warning);
        return new HealthReport
        {
            State = state, Project = _project, CheckedAt = now, Findings = findings, RecentErrors = errors,
            Summary = state switch
            {
                HealthState.Healthy => $"Healthy: {findings.Count} finding(s), all well.",
                HealthState.Warning => $"Warning: {warn} finding(s) worth a look, none broken.",
                _ => $"Unhealthy: {bad} finding(s) broken or dead" + (warn > 0 ? $", {warn} worth a look." : "."),
            },
        };
    }

    /// <summary>What a check may fail with and still leave a report: a damaged store fails every check that reads it (a DbException).</summary>
    internal static bool IsCheckFailure(Exception e) =>
        e is FastbandException or IOException or UnauthorizedAccessException or InvalidOperationException or System.Data.Common.DbException;

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>
    /// The report when the store cannot even be opened (a SQLite file damaged where opening reads it): one unhealthy
    /// store finding, so <c>fastband health</c> still answers with a report and exit 1 rather than an error.
    /// </summary>
    public static HealthReport StoreUnopened(string project, string location, Exception failure, TimeProvider clock) => new()
    {
        State = HealthState.Unhealthy, Project = project, CheckedAt = clock.GetUtcNow(),
        Findings = new[]
        {
            new HealthFinding("store", location, HealthState.Unhealthy, StoreHealthCheck.Unreadable(location, failure))
            {
                Details = new Dictionary<string, object?>
                {
                    ["backend"] = Store.StoreSettings.Sqlite, ["location"] = location, ["schemaVersion"] = null,
                    ["problems"] = new[] { OneLine((failure.InnerException ?? failure).Message) }, ["opened"] = false,
                },
            },
        },
        Summary = "Unhealthy: 1 finding(s) broken or dead (the store could not be opened, so nothing else was checked).",
    };

    private HealthFinding ErrorFinding(IReadOnlyList<EventNotice> errors, DateTimeOffset now)
    {
        string window = TimeSpec.Humanize(_settings.ErrorWindow);
        if (errors.Count == 0)
            return new HealthFinding("errors", "events", HealthState.Healthy, $"No error events in the last {window}.")
            {
                Details = new Dictionary<string, object?> { ["count"] = 0, ["windowSeconds"] = _settings.ErrorWindow.TotalSeconds },
            };
        var latest = errors[0];
        string count = errors.Count >= RecentErrorLimit ? $"{RecentErrorLimit} or more" : errors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new HealthFinding("errors", "events", HealthState.Warning,
            $"{count} error event(s) in the last {window}; the latest, {TimeSpec.Humanize(now - latest.Timestamp)} ago by {latest.Actor}: {latest.Content}")
        {
            Details = new Dictionary<string, object?>
            {
                ["count"] = errors.Count, ["windowSeconds"] = _settings.ErrorWindow.TotalSeconds, ["latestAt"] = latest.Timestamp,
            },
        };
    }
}
