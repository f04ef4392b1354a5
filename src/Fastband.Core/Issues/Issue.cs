namespace Fastband.Core.Issues;

/// <summary>One issue: a piece of work agents find, claim, fix and resolve.</summary>
public sealed class Issue
{
    /// <summary>Generated (issue_001, issue_002, ...) or given at creation; case-insensitive.</summary>
    public string Id { get; init; } = "";

    /// <summary>One of <see cref="IssueSeverity.All"/>: critical, high, medium, low.</summary>
    public string Severity { get; init; } = IssueSeverity.Medium;

    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();

    /// <summary>Issues that must be resolved before this one is ready.</summary>
    public IReadOnlyList<string> BlockedBy { get; init; } = Array.Empty<string>();

    /// <summary>How many of <see cref="BlockedBy"/> are not resolved yet.</summary>
    public int OpenBlockers { get; init; }

    /// <summary>One of <see cref="IssueStatus.All"/>.</summary>
    public string Status { get; init; } = IssueStatus.New;

    public string CreatedBy { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The agent holding the claim, while the issue is in progress (or its fix awaits review).</summary>
    public string? AssignedTo { get; init; }

    public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>Given to the winner of a claim; strictly increasing across all claims of the store.</summary>
    public long? ClaimToken { get; init; }

    public string? ResolvedBy { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>The fix whose application resolved the issue.</summary>
    public string? ResolvedByFix { get; init; }

    /// <summary>Unclaimed and not blocked by an unresolved issue: what <c>issue ready</c> lists.</summary>
    public bool IsAvailable => Status == IssueStatus.New && OpenBlockers == 0;

    public override string ToString() =>
        $"{Id} [{Severity}] {Title} ({Status}{(AssignedTo is null ? "" : $", claimed by {AssignedTo}")}{(OpenBlockers > 0 ? $", blocked by {OpenBlockers}" : "")})";
}

/// <summary>A proposed change that resolves an issue once another look approves (applies) it.</summary>
public sealed class Fix
{
    public string Id { get; init; } = "";

    /// <summary>The issue it resolves.</summary>
    public string IssueId { get; init; } = "";

    public string Title { get; init; } = "";
    public string Approach { get; init; } = "";
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();

    /// <summary>Free text such as "450-480".</summary>
    public string? Lines { get; init; }

    public bool Tested { get; init; }
    public string? TestNotes { get; init; }

    /// <summary>One of <see cref="FixStatus.All"/>.</summary>
    public string Status { get; init; } = FixStatus.Proposed;

    /// <summary>The implementer.</summary>
    public string ProposedBy { get; init; } = "";

    public DateTimeOffset ProposedAt { get; init; }

    /// <summary>Agents that verified it; the applier is added on apply.</summary>
    public IReadOnlyList<string> VerifiedBy { get; init; } = Array.Empty<string>();

    public string? AppliedBy { get; init; }
    public DateTimeOffset? AppliedAt { get; init; }
    public string? RejectedBy { get; init; }
    public DateTimeOffset? RejectedAt { get; init; }
    public string? RejectReason { get; init; }

    public override string ToString() => $"{Id} for {IssueId}: {Title} ({Status})";
}

/// <summary>One line of the audit trail: every create, claim, release, submit, apply and reject, refused or not.</summary>
public sealed class AuditEntry
{
    public long Id { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public string Agent { get; init; } = "";

    /// <summary>One of <see cref="AuditAction.All"/>, named as in the seed library's audit_log.jsonl.</summary>
    public string Action { get; init; } = "";

    public bool Success { get; init; }
    public string Message { get; init; } = "";
    public string? IssueId { get; init; }
    public string? FixId { get; init; }

    public override string ToString() =>
        $"#{Id} [{TimeSpec.Display(Timestamp)}] {Agent} {Action} {(Success ? "ok" : "REFUSED")}: {Message}";
}

public static class IssueSeverity
{
    public const string Critical = "critical";
    public const string High = "high";
    public const string Medium = "medium";
    public const string Low = "low";

    /// <summary>Most severe first: the order lists use.</summary>
    public static readonly Vocabulary Names = new("severity", "InvalidSeverity", Critical, High, Medium, Low);

    public static IReadOnlyList<string> All => Names.All;

    public static int Rank(string severity) => Names.IndexOf(severity);

    public static string FromRank(long rank) => All[(int)rank];

    /// <summary>The canonical name, or an error naming the valid ones. Null or blank is <paramref name="fallback"/>.</summary>
    public static string Normalize(string? severity, string? fallback = Medium) =>
        string.IsNullOrWhiteSpace(severity) && fallback is not null ? fallback : Names.Normalize(severity);
}

public static class IssueStatus
{
    /// <summary>Unclaimed.</summary>
    public const string New = "new";
    /// <summary>Claimed; the holder works on it.</summary>
    public const string InProgress = "in_progress";
    /// <summary>The holder proposed a fix that awaits review.</summary>
    public const string FixProposed = "fix_proposed";
    /// <summary>A fix was applied.</summary>
    public const string Resolved = "resolved";

    public static readonly Vocabulary Names = new("issue status", "InvalidStatus", New, InProgress, FixProposed, Resolved);

    public static IReadOnlyList<string> All => Names.All;

    public static string Normalize(string status) => Names.Normalize(status);
}

public static class FixStatus
{
    public const string Proposed = "proposed";
    public const string Applied = "applied";
    public const string Rejected = "rejected";

    public static readonly Vocabulary Names = new("fix status", "InvalidStatus", Proposed, Applied, Rejected);

    public static IReadOnlyList<string> All => Names.All;

    public static string Normalize(string status) => Names.Normalize(status);
}

/// <summary>The audit actions, named as the seed library names them where it has a name.</summary>
public static class AuditAction
{
    public const string CreateIssue = "create_issue";
    public const string ClaimIssue = "claim_issue";
    public const string ReleaseIssue = "release_issue";
    public const string ProposeFix = "propose_fix";
    public const string ApplyFix = "apply_fix";
    public const string RejectFix = "reject_fix";
    public const string Import = "import";

    public static readonly Vocabulary Names = new("audit action", "InvalidAuditAction", CreateIssue, ClaimIssue, ReleaseIssue, ProposeFix, ApplyFix, RejectFix, Import);

    public static IReadOnlyList<string> All => Names.All;
}

/// <summary>What creating an issue takes; the store adds the id when none is given.</summary>
public sealed record NewIssue
{
    public string? Id { get; init; }
    public string Severity { get; init; } = IssueSeverity.Medium;
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> BlockedBy { get; init; } = Array.Empty<string>();
}

/// <summary>What proposing a fix takes; the store adds the id when none is given.</summary>
public sealed record NewFix
{
    public string? Id { get; init; }
    public string IssueId { get; init; } = "";
    public string Title { get; init; } = "";
    public string Approach { get; init; } = "";
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();
    public string? Lines { get; init; }
    public bool Tested { get; init; }
    public string? TestNotes { get; init; }

    /// <summary>The token the caller's claim was given: when set, the fix is refused if the claim has changed hands since.</summary>
    public long? ClaimToken { get; init; }
}

/// <summary>Which issues to list. Available means unclaimed and unblocked, most severe first, then oldest.</summary>
public sealed record IssueQuery
{
    public bool AvailableOnly { get; init; }
    public string? Status { get; init; }
    public string? Severity { get; init; }
    public string? AssignedTo { get; init; }

    /// <summary>Without a status filter, resolved issues are left out unless this is set.</summary>
    public bool IncludeResolved { get; init; }

    /// <summary>0: no limit.</summary>
    public int Limit { get; init; }
}

public sealed record FixQuery
{
    public string? IssueId { get; init; }
    public string? Status { get; init; }
    public int Limit { get; init; }
}

public sealed record AuditQuery
{
    public DateTimeOffset? Since { get; init; }
    public long? AfterId { get; init; }
    public string? Agent { get; init; }
    public string? IssueId { get; init; }
    public int Limit { get; init; }
}

/// <summary>Counts over the store, for the health check and the reports.</summary>
public sealed class IssueStatistics
{
    public IReadOnlyDictionary<string, long> IssuesByStatus { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> OpenIssuesBySeverity { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> FixesByStatus { get; init; } = new Dictionary<string, long>();
    public long Available { get; init; }
    public long LastAuditId { get; init; }
    public DateTimeOffset? LastAuditAt { get; init; }

    public long TotalIssues => IssuesByStatus.Values.Sum();
    public long TotalFixes => FixesByStatus.Values.Sum();
}

/// <summary>Who acts, as the store records it (the audit's agent and the agent's presence).</summary>
public sealed record IssueActor(string Agent, string Host, int ProcessId, DateTimeOffset? ProcessStartedAt);
