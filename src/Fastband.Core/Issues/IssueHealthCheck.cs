using Fastband.Core.Health;
using Fastband.Core.Store;

namespace Fastband.Core.Issues;

/// <summary>
/// The issues' part of <c>fastband health</c>: statistics; claims whose holder has not been seen for
/// <see cref="IssueSettings.StaleClaimAfter"/> (unhealthy: the work is stuck behind a dead agent); and whether the
/// reports under reports/ include every change older than <see cref="IssueSettings.ReportStaleAfter"/>. Stale
/// locks are the locks check's (<see cref="StaleLockHealthCheck"/>), which <c>fastband health</c> runs beside this one.
/// </summary>
public sealed class IssueHealthCheck : IHealthCheck
{
    private readonly IIssueStore _issues;
    private readonly IAgentStore _agents;
    private readonly IssueSettings _settings;
    private readonly string _reportsDirectory;

    internal IssueHealthCheck(IIssueStore issues, IAgentStore agents, IssueSettings settings, string reportsDirectory)
    {
        _issues = issues;
        _agents = agents;
        _settings = settings;
        _reportsDirectory = reportsDirectory;
    }

    public string Name => "issues";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        var stats = _issues.Statistics();
        yield return Statistics(stats);
        foreach (var f in Claims(now)) yield return f;
        yield return Reports(stats, now);
    }

    private HealthFinding Statistics(IssueStatistics s)
    {
        long I(string status) => s.IssuesByStatus.GetValueOrDefault(status);
        long F(string status) => s.FixesByStatus.GetValueOrDefault(status);
        var details = new Dictionary<string, object?> { ["issues"] = s.TotalIssues, ["ready"] = s.Available, ["fixes"] = s.TotalFixes };
        foreach (var (k, v) in s.IssuesByStatus) details["issues_" + k] = v;
        foreach (var (k, v) in s.FixesByStatus) details["fixes_" + k] = v;
        return new HealthFinding(Name, "statistics", HealthState.Healthy,
            $"{s.TotalIssues} issues: {I(IssueStatus.New)} new ({s.Available} ready), {I(IssueStatus.InProgress)} in progress, {I(IssueStatus.FixProposed)} with a fix proposed, {I(IssueStatus.Resolved)} resolved; " +
            $"{s.TotalFixes} fixes: {F(FixStatus.Proposed)} proposed, {F(FixStatus.Applied)} applied, {F(FixStatus.Rejected)} rejected.")
        { Details = details };
    }

    private IEnumerable<HealthFinding> Claims(DateTimeOffset now)
    {
        var claimed = _issues.ListIssues(new IssueQuery()).Where(i => i.AssignedTo is not null).ToList();
        var lastSeen = new Dictionary<string, DateTimeOffset?>(StringComparer.OrdinalIgnoreCase);
        int stale = 0;
        foreach (var issue in claimed)
        {
            string agent = issue.AssignedTo!;
            if (!lastSeen.TryGetValue(agent, out var seen)) lastSeen[agent] = seen = _agents.Get(agent)?.LastSeenAt;
            var since = seen ?? issue.ClaimedAt ?? issue.UpdatedAt;
            var age = now - since;
            if (age < _settings.StaleClaimAfter) continue;
            stale++;
            yield return new HealthFinding(Name, $"claim {issue.Id}", HealthState.Unhealthy,
                $"{issue.Id} is claimed by {agent}, last seen {TimeSpec.Humanize(age)} ago (stale after {TimeSpec.Humanize(_settings.StaleClaimAfter)}): " +
                $"ask {agent}, take it over with 'fastband issue claim {issue.Id} --take-stale', or release it with 'fastband issue release {issue.Id} --force --reason ...'.")
            {
                Details = new Dictionary<string, object?>
                {
                    ["issueId"] = issue.Id, ["agent"] = agent, ["lastSeenAt"] = since, ["ageSeconds"] = (long)age.TotalSeconds, ["claimToken"] = issue.ClaimToken,
                },
            };
        }
        if (stale == 0)
            yield return new HealthFinding(Name, "claims", HealthState.Healthy,
                $"{claimed.Count} claims held, none by an agent unseen for {TimeSpec.Humanize(_settings.StaleClaimAfter)} or more.")
            { Details = new Dictionary<string, object?> { ["claims"] = claimed.Count } };
    }

    private HealthFinding Reports(IssueStatistics stats, DateTimeOffset now)
    {
        long? reported = IssueReports.ReportedAuditId(_reportsDirectory);
        var details = new Dictionary<string, object?> { ["directory"] = _reportsDirectory, ["reportedAuditId"] = reported, ["lastAuditId"] = stats.LastAuditId };
        if (stats.LastAuditId == 0)
            return new HealthFinding(Name, "reports", HealthState.Healthy, "Nothing to report yet.") { Details = details };
        if (reported is null)
            return new HealthFinding(Name, "reports", HealthState.Warning,
                $"No reports in {_reportsDirectory} yet (or their metadata cannot be read): run 'fastband report'.") { Details = details };
        if (reported >= stats.LastAuditId)
            return new HealthFinding(Name, "reports", HealthState.Healthy, $"The reports include every change (audit entry #{stats.LastAuditId}).") { Details = details };
        var oldest = _issues.ListAudit(new AuditQuery { AfterId = reported, Limit = 1 }).FirstOrDefault();
        var age = oldest is null ? TimeSpan.Zero : now - oldest.Timestamp;
        details["unreportedChanges"] = stats.LastAuditId - reported;
        details["oldestUnreportedAgeSeconds"] = (long)age.TotalSeconds;
        string behind = $"the reports stop at audit entry #{reported}; {stats.LastAuditId - reported} changes since, the oldest {TimeSpec.Humanize(age)} ago";
        return age >= _settings.ReportStaleAfter
            ? new HealthFinding(Name, "reports", HealthState.Warning, $"Reports are stale: {behind} (stale after {TimeSpec.Humanize(_settings.ReportStaleAfter)}); run 'fastband report'.") { Details = details }
            : new HealthFinding(Name, "reports", HealthState.Healthy, $"Reports are fresh enough: {behind}.") { Details = details };
    }
}

/// <summary>The issue health check's findings as one object, for <c>fastband issue health</c> and Get-FastbandIssueHealth.</summary>
public sealed class IssueHealthReport
{
    /// <summary>The worst state among the findings.</summary>
    public HealthState State { get; init; }

    public IReadOnlyList<HealthFinding> Findings { get; init; } = Array.Empty<HealthFinding>();
    public DateTimeOffset CheckedAt { get; init; }

    public static IssueHealthReport Run(IHealthCheck check, DateTimeOffset now)
    {
        var findings = check.Check(now).ToArray();
        return new IssueHealthReport { State = findings.Length == 0 ? HealthState.Healthy : findings.Max(f => f.State), Findings = findings, CheckedAt = now };
    }

    public override string ToString() =>
        $"{State}: " + string.Join("; ", Findings.Where(f => f.State != HealthState.Healthy).Select(f => f.Summary).DefaultIfEmpty("all good"));
}
