using System.Text.Json;

namespace Fastband.Core.Issues;

/// <summary>The <c>issues:</c> section of .fastband/config.yaml.</summary>
public sealed class IssueSettings
{
    public const string Section = "issues";

    /// <summary>A claim whose holder has not been seen for this long is stale (the health check says so).</summary>
    public TimeSpan StaleClaimAfter { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Reports that leave a change unreported for longer than this are stale.</summary>
    public TimeSpan ReportStaleAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Where <c>fastband report</c> writes, relative to the project root.</summary>
    public string ReportsDirectory { get; set; } = "reports";

    internal void Read(JsonElement e, string path)
    {
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "staleClaimAfter": StaleClaimAfter = FastbandConfig.Duration(p, path, Section); break;
                case "reportStaleAfter": ReportStaleAfter = FastbandConfig.Duration(p, path, Section); break;
                case "reportsDirectory":
                    if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.Value.GetString()))
                        throw FastbandConfig.Bad(path, Section, p.Name, "a folder name such as \"reports\"");
                    ReportsDirectory = p.Value.GetString()!.Trim();
                    break;
                default:
                    throw FastbandConfig.Unknown(path, Section, p.Name, "staleClaimAfter", "reportStaleAfter", "reportsDirectory");
            }
        }
    }
}

/// <summary>The sentences issues and fixes are refused with, shared by the service and the store.</summary>
internal static class IssueMessages
{
    public static NotFoundException IssueNotFound(string id) =>
        new("IssueNotFound", $"There is no issue '{id}': list them with 'fastband issue list --all' (Get-FastbandIssue -All).");

    public static NotFoundException FixNotFound(string id) =>
        new("FixNotFound", $"There is no fix '{id}': list them with 'fastband fix list' (Get-FastbandFix).");

    /// <summary>Why an issue cannot be claimed, naming who holds it or what blocks it.</summary>
    public static string Unavailable(Issue issue, IReadOnlyList<string> openBlockers) => issue.Status switch
    {
        IssueStatus.Resolved => $"{issue.Id} is already resolved (by {issue.ResolvedBy}): there is nothing to claim; pick another with 'fastband issue ready'.",
        IssueStatus.InProgress or IssueStatus.FixProposed =>
            $"{issue.Id} is claimed by {issue.AssignedTo} since {TimeSpec.Display(issue.ClaimedAt ?? issue.UpdatedAt)} UTC ({issue.Status}): pick another with 'fastband issue ready', ask {issue.AssignedTo} to release it, or take it over with --take-stale once {issue.AssignedTo} has been unseen for the stale-claim time.",
        _ => $"{issue.Id} is blocked by {string.Join(", ", openBlockers)} (not resolved yet): resolve those first, or pick another with 'fastband issue ready'.",
    };

    /// <summary>A claim token that is not the issue's current one: the claim changed hands (or was renewed) since.</summary>
    public static string StaleToken(Issue issue, long token) =>
        $"Claim token {token} is no longer {issue.Id}'s: it is held by {issue.AssignedTo} with token {issue.ClaimToken} since {TimeSpec.Display(issue.ClaimedAt ?? issue.UpdatedAt)} UTC; claim it again before acting on it.";

    public static string NotProposed(Fix fix, string verb) =>
        $"{fix.Id} is {fix.Status}, not proposed: only a proposed fix can be {verb}" +
        (fix.Status == FixStatus.Applied ? $" (it was applied by {fix.AppliedBy} at {TimeSpec.Display(fix.AppliedAt!.Value)} UTC)." :
         fix.Status == FixStatus.Rejected ? $" (it was rejected by {fix.RejectedBy}: {fix.RejectReason}); submit a new fix instead." : ".");
}
