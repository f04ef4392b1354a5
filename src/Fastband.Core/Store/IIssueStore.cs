using Fastband.Core.Issues;

namespace Fastband.Core.Store;

/// <summary>
/// Issues, fixes and their audit trail. Every change is one write transaction (BEGIN IMMEDIATE) that checks
/// the state it depends on, changes it, records the caller's presence and appends the audit line, so two
/// agents can never both win a claim or both apply a fix. A refusal because of the state (claimed by someone
/// else, not proposed) is audited with success = false and returned as <see cref="IssueChangeOutcome.Refused"/>;
/// an unknown id throws <see cref="NotFoundException"/> and writes nothing.
/// </summary>
public interface IIssueStore
{
    /// <summary>Creates an issue. Refuses (writing nothing) an id already taken or a blocker that does not exist.</summary>
    Issue CreateIssue(NewIssue issue, IssueActor actor, DateTimeOffset now);

    /// <summary>
    /// Claims an issue in one conditional update: only an issue that is new and unblocked is taken, and the
    /// winner gets the next claim token. The holder claiming again gets its claim back (AlreadyDone). With
    /// <paramref name="takeStaleBefore"/>, a claim whose holder was last seen before then is taken over too. With
    /// <paramref name="directiveMark"/>, nothing is done (DirectivesMoved) when a hold, lift or clearance landed
    /// since the caller read that mark: the caller's hold check is stale.
    /// </summary>
    IssueChange Claim(string issueId, IssueActor actor, DateTimeOffset now, DateTimeOffset? takeStaleBefore = null, long? directiveMark = null);

    /// <summary>
    /// Gives a claim up: only its holder may, unless <paramref name="force"/> (with a reason). With
    /// <paramref name="claimToken"/>, only the claim that got that token is released.
    /// </summary>
    IssueChange Release(string issueId, IssueActor actor, bool force, string? reason, long? claimToken, DateTimeOffset now);

    /// <summary>Proposes a fix for an issue the caller holds (with the claim token, if the fix names one); the issue moves to fix_proposed.</summary>
    IssueChange SubmitFix(NewFix fix, IssueActor actor, DateTimeOffset now);

    /// <summary>Applies a proposed fix: the fix becomes applied (the applier verifies it) and its issue resolved.</summary>
    IssueChange ApplyFix(string fixId, IssueActor actor, DateTimeOffset now);

    /// <summary>Rejects a proposed fix with a reason; its issue goes back to in_progress when no other fix awaits review.</summary>
    IssueChange RejectFix(string fixId, IssueActor actor, string reason, DateTimeOffset now);

    /// <summary>Appends one audit line on its own (a refusal decided outside the store, such as a hold).</summary>
    AuditEntry Audit(IssueActor actor, string action, bool success, string message, string? issueId, string? fixId, DateTimeOffset now);

    /// <summary>
    /// Adds issues and fixes as they are (status, claimant, times), in one transaction, skipping ids that
    /// already exist; one audit line sums it up. The caller has validated them.
    /// </summary>
    ImportWrite Import(IReadOnlyList<Issue> issues, IReadOnlyList<Fix> fixes, IssueActor actor, string summary, DateTimeOffset now);

    Issue? GetIssue(string issueId);

    /// <summary>Most severe first, then oldest, then id.</summary>
    IReadOnlyList<Issue> ListIssues(IssueQuery query);

    /// <summary>Every issue that exists among <paramref name="ids"/> (for validation).</summary>
    IReadOnlySet<string> ExistingIssueIds(IEnumerable<string> ids);

    Fix? GetFix(string fixId);

    /// <summary>Oldest proposal first.</summary>
    IReadOnlyList<Fix> ListFixes(FixQuery query);

    /// <summary>Oldest first.</summary>
    IReadOnlyList<AuditEntry> ListAudit(AuditQuery query);

    IssueStatistics Statistics();
}

public enum IssueChangeOutcome
{
    /// <summary>The change was made.</summary>
    Done,
    /// <summary>Nothing needed doing: the caller already holds the claim.</summary>
    AlreadyDone,
    /// <summary>The state forbids it; audited as a failure. <see cref="IssueChange.Message"/> says why.</summary>
    Refused,
    /// <summary>Nothing was done: the directives changed since the caller checked the holds; check them again.</summary>
    DirectivesMoved,
}

/// <summary>What a change did, with the issue and fix as they are after it.</summary>
public sealed record IssueChange(IssueChangeOutcome Outcome, Issue? Issue, Fix? Fix, string Message);

/// <summary>What an import wrote.</summary>
public sealed record ImportWrite(IReadOnlyList<string> IssuesAdded, IReadOnlyList<string> FixesAdded, IReadOnlyList<string> AlreadyPresent);
