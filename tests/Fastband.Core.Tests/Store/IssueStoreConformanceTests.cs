using Fastband.Core.Issues;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>
/// What every store must do for issues (<see cref="IIssueStore"/>), at the store itself: the checks and changes that
/// must be one transaction (claims, fixes), the audit line each writes, and the reads. The workflow around them
/// (validation, holds, reports) is IssueService's and tested there.
/// </summary>
public abstract class IssueStoreConformanceTests : IDisposable
{
    private readonly List<IFastbandStore> _opened = new();
    protected readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A new connection to the test's one store: each call, the same tables.</summary>
    protected abstract IFastbandStore CreateStore();

    protected IIssueStore Open()
    {
        var s = CreateStore();
        _opened.Add(s);
        return s.Issues;
    }

    public virtual void Dispose()
    {
        foreach (var s in _opened) s.Dispose();
    }

    private static IssueActor As(string agent) => new(agent, "host-" + agent, 100, null);

    private Issue Create(IIssueStore store, string title, string? id = null, string severity = IssueSeverity.Medium, int atSecond = 0, params string[] blockedBy) =>
        store.CreateIssue(new NewIssue { Id = id, Title = title, Severity = severity, Description = "about " + title, Files = new[] { "a.cs" }, BlockedBy = blockedBy },
            As("alice"), Now.AddSeconds(atSecond));

    private static NewFix FixFor(string issueId, long? token = null, string? id = null) =>
        new() { Id = id, IssueId = issueId, Title = "the fix", Approach = "change it", Files = new[] { "a.cs", "b.cs" }, Lines = "1-9", Tested = true, TestNotes = "ran it", ClaimToken = token };

    private static (string Action, bool Success) Line(AuditEntry a) => (a.Action, a.Success);

    [Fact]
    public void An_issue_round_trips_and_is_found_ignoring_case_and_a_taken_id_or_unknown_blocker_writes_nothing()
    {
        var store = Open();
        var first = Create(store, "first", severity: IssueSeverity.High);
        Assert.Equal("issue_001", first.Id);
        var mine = Create(store, "named", id: "Bug-Named", atSecond: 1, blockedBy: "ISSUE_001");
        var back = store.GetIssue("bug-named")!;
        Assert.Equal(("Bug-Named", "named", "about named", IssueSeverity.Medium, IssueStatus.New, "alice"),
            (back.Id, back.Title, back.Description, back.Severity, back.Status, back.CreatedBy));
        Assert.Equal(new[] { "a.cs" }, back.Files);
        Assert.Equal(new[] { "issue_001" }, back.BlockedBy); // the blocker's stored id
        Assert.Equal(1, back.OpenBlockers);
        Assert.Equal(Now.AddSeconds(1), back.CreatedAt);
        Assert.Null(back.AssignedTo);
        Assert.Equal(mine.Id, back.Id);
        Assert.Equal(IssueSeverity.High, store.GetIssue("ISSUE_001")!.Severity);
        Assert.Null(store.GetIssue("issue_404"));

        Assert.Equal("IssueExists", Assert.Throws<BlockedException>(() => Create(store, "again", id: "BUG-NAMED")).ErrorId);
        Assert.Equal("UnknownBlocker", Assert.Throws<InvalidInputException>(() => Create(store, "orphan", blockedBy: "issue_404")).ErrorId);
        Assert.Equal(2, store.ListIssues(new IssueQuery { IncludeResolved = true }).Count);
        Assert.Equal(2, store.ListAudit(new AuditQuery()).Count);
        Assert.Equal("issue_002", Create(store, "third").Id); // the refused creates took no id

        var found = store.ExistingIssueIds(new[] { "BUG-named", "issue_404", "Issue_001" });
        Assert.Equal(new[] { "Bug-Named", "issue_001" }, found.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void A_claim_hands_out_increasing_tokens_refuses_a_second_claimant_and_gives_the_holder_its_claim_back()
    {
        var store = Open();
        Create(store, "one");
        Create(store, "two", atSecond: 1);
        var a = store.Claim("ISSUE_001", As("ann"), Now.AddMinutes(1));
        Assert.Equal(IssueChangeOutcome.Done, a.Outcome);
        Assert.Equal(("issue_001", IssueStatus.InProgress, "ann", 1L), (a.Issue!.Id, a.Issue.Status, a.Issue.AssignedTo, a.Issue.ClaimToken!.Value));
        Assert.Equal(Now.AddMinutes(1), a.Issue.ClaimedAt);
        Assert.Equal(2, store.Claim("issue_002", As("bob"), Now.AddMinutes(1)).Issue!.ClaimToken);

        var refused = store.Claim("issue_001", As("bob"), Now.AddMinutes(2));
        Assert.Equal(IssueChangeOutcome.Refused, refused.Outcome);
        Assert.Contains("claimed by ann", refused.Message);
        Assert.Equal(("ann", 1L), (store.GetIssue("issue_001")!.AssignedTo, store.GetIssue("issue_001")!.ClaimToken!.Value));

        var again = store.Claim("issue_001", As("ANN"), Now.AddMinutes(3));
        Assert.Equal(IssueChangeOutcome.AlreadyDone, again.Outcome);
        Assert.Equal(1, again.Issue!.ClaimToken);

        Assert.Equal(IssueChangeOutcome.Done, store.Release("issue_001", As("ann"), false, null, 1, Now.AddMinutes(4)).Outcome);
        Assert.Equal(3, store.Claim("issue_001", As("bob"), Now.AddMinutes(5)).Issue!.ClaimToken); // never a token handed out before
        var claims = store.ListAudit(new AuditQuery()).Where(e => e.Action == AuditAction.ClaimIssue).ToList();
        Assert.Equal(new[] { true, true, false, true }, claims.Select(c => c.Success)); // the holder's re-claim writes no line
        Assert.Throws<NotFoundException>(() => store.Claim("issue_404", As("ann"), Now));
    }

    [Fact]
    public void Claimants_racing_on_separate_connections_win_each_issue_exactly_once_with_distinct_tokens()
    {
        var setup = Open();
        for (int i = 0; i < 6; i++) Create(setup, "issue " + i, atSecond: i);
        var stores = Enumerable.Range(0, 4).Select(_ => Open()).ToArray();
        var wins = new System.Collections.Concurrent.ConcurrentBag<(string Agent, string Issue, long Token)>();
        using var start = new Barrier(stores.Length);
        var threads = stores.Select((store, n) => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 1; i <= 6; i++)
            {
                var change = store.Claim($"issue_{i:000}", As("agent" + n), Now.AddMinutes(1));
                if (change.Outcome == IssueChangeOutcome.Done) wins.Add(("agent" + n, change.Issue!.Id, change.Issue.ClaimToken!.Value));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(6, wins.Count);
        Assert.Equal(6, wins.Select(w => w.Issue).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), wins.Select(w => w.Token).Order());
        foreach (var w in wins)
        {
            var issue = setup.GetIssue(w.Issue)!;
            Assert.Equal((w.Agent, w.Token), (issue.AssignedTo!, issue.ClaimToken!.Value));
        }
        var audit = setup.ListAudit(new AuditQuery { Limit = 1000 }).Where(e => e.Action == AuditAction.ClaimIssue).ToList();
        Assert.Equal(6, audit.Count(e => e.Success));
        Assert.Equal(4 * 6 - 6, audit.Count(e => !e.Success));
    }

    [Fact]
    public void A_stale_claim_is_taken_over_only_when_its_holder_was_last_seen_before_the_cutoff()
    {
        var store = Open();
        Create(store, "one");
        store.Claim("issue_001", As("ann"), Now.AddMinutes(1)); // ann is seen at +1 min
        var early = store.Claim("issue_001", As("bob"), Now.AddMinutes(2), takeStaleBefore: Now.AddMinutes(1));
        Assert.Equal(IssueChangeOutcome.Refused, early.Outcome);
        var taken = store.Claim("issue_001", As("bob"), Now.AddMinutes(3), takeStaleBefore: Now.AddMinutes(1).AddSeconds(1));
        Assert.Equal(IssueChangeOutcome.Done, taken.Outcome);
        Assert.Equal(("bob", 2L), (taken.Issue!.AssignedTo!, taken.Issue.ClaimToken!.Value));
        Assert.Contains("taking over ann's stale claim (token 1)", taken.Message);
        // The holder itself is never "stale" to itself: its own take-stale claim is its claim back.
        Assert.Equal(IssueChangeOutcome.AlreadyDone, store.Claim("issue_001", As("BOB"), Now.AddHours(1), takeStaleBefore: Now.AddHours(1)).Outcome);
    }

    [Fact]
    public void Release_refuses_a_stale_token_another_holder_s_claim_without_force_and_an_unclaimed_issue()
    {
        var store = Open();
        Create(store, "one");
        long token = store.Claim("issue_001", As("ann"), Now.AddMinutes(1)).Issue!.ClaimToken!.Value;

        var stale = store.Release("issue_001", As("ann"), false, null, token + 1, Now.AddMinutes(2));
        Assert.Equal(IssueChangeOutcome.Refused, stale.Outcome);
        Assert.Contains($"Claim token {token + 1} is no longer issue_001's", stale.Message);
        Assert.Equal(IssueChangeOutcome.Refused, store.Release("issue_001", As("bob"), false, null, null, Now.AddMinutes(2)).Outcome);
        Assert.Equal(("ann", IssueStatus.InProgress), (store.GetIssue("issue_001")!.AssignedTo!, store.GetIssue("issue_001")!.Status));

        var forced = store.Release("ISSUE_001", As("bob"), true, "ann is gone", null, Now.AddMinutes(3));
        Assert.Equal(IssueChangeOutcome.Done, forced.Outcome);
        Assert.Equal("Force-released ann's claim on issue_001: ann is gone.", forced.Message);
        Assert.Equal((IssueStatus.New, (string?)null, (long?)null), (forced.Issue!.Status, forced.Issue.AssignedTo, forced.Issue.ClaimToken));
        Assert.Equal(IssueChangeOutcome.Refused, store.Release("issue_001", As("ann"), false, null, null, Now.AddMinutes(4)).Outcome);
        Assert.Throws<NotFoundException>(() => store.Release("issue_404", As("ann"), true, "x", null, Now));

        var releases = store.ListAudit(new AuditQuery()).Where(e => e.Action == AuditAction.ReleaseIssue).Select(e => (e.Agent, e.Success));
        Assert.Equal(new[] { ("ann", false), ("bob", false), ("bob", true), ("ann", false) }, releases);
    }

    [Fact]
    public void A_blocker_keeps_an_issue_out_of_ready_until_a_fix_for_it_is_applied()
    {
        var store = Open();
        Create(store, "blocker", id: "Base");
        Create(store, "dependent", id: "dep", atSecond: 1, blockedBy: "base");
        Assert.Equal(new[] { "Base" }, store.ListIssues(new IssueQuery { AvailableOnly = true }).Select(i => i.Id));
        var refused = store.Claim("dep", As("ann"), Now.AddMinutes(1));
        Assert.Equal(IssueChangeOutcome.Refused, refused.Outcome);
        Assert.Contains("blocked by Base", refused.Message);
        Assert.Equal(IssueStatus.New, store.GetIssue("dep")!.Status);

        long token = store.Claim("base", As("ann"), Now.AddMinutes(1)).Issue!.ClaimToken!.Value;
        string fix = store.SubmitFix(FixFor("base", token), As("ann"), Now.AddMinutes(2)).Fix!.Id;
        Assert.Equal(1, store.GetIssue("dep")!.OpenBlockers);
        store.ApplyFix(fix, As("bob"), Now.AddMinutes(3));
        Assert.Equal(0, store.GetIssue("dep")!.OpenBlockers);
        Assert.Equal(new[] { "dep" }, store.ListIssues(new IssueQuery { AvailableOnly = true }).Select(i => i.Id));
        Assert.Equal(IssueChangeOutcome.Done, store.Claim("DEP", As("ann"), Now.AddMinutes(4)).Outcome);
    }

    [Fact]
    public void A_fix_is_proposed_only_by_the_holder_with_its_current_token_and_apply_resolves_the_issue()
    {
        var store = Open();
        Create(store, "one");
        Assert.Equal(IssueChangeOutcome.Refused, store.SubmitFix(FixFor("issue_001"), As("ann"), Now).Outcome); // not claimed
        long token = store.Claim("issue_001", As("ann"), Now.AddMinutes(1)).Issue!.ClaimToken!.Value;
        Assert.Equal(IssueChangeOutcome.Refused, store.SubmitFix(FixFor("issue_001"), As("bob"), Now.AddMinutes(2)).Outcome);
        var stale = store.SubmitFix(FixFor("issue_001", token + 5, id: "fix-stale"), As("ann"), Now.AddMinutes(2));
        Assert.Equal(IssueChangeOutcome.Refused, stale.Outcome);
        Assert.Null(store.GetFix("fix-stale"));

        var proposed = store.SubmitFix(FixFor("ISSUE_001", token), As("ann"), Now.AddMinutes(3));
        Assert.Equal(IssueChangeOutcome.Done, proposed.Outcome);
        var f = proposed.Fix!;
        Assert.Equal(("fix_001", "issue_001", FixStatus.Proposed, "ann", "1-9", true, "ran it"), (f.Id, f.IssueId, f.Status, f.ProposedBy, f.Lines, f.Tested, f.TestNotes));
        Assert.Equal(new[] { "a.cs", "b.cs" }, f.Files);
        Assert.Equal(Now.AddMinutes(3), f.ProposedAt);
        Assert.Equal(IssueStatus.FixProposed, proposed.Issue!.Status);
        Assert.Equal("FixExists", Assert.Throws<BlockedException>(() => store.SubmitFix(FixFor("issue_001", id: "FIX_001"), As("ann"), Now)).ErrorId);

        var applied = store.ApplyFix("FIX_001", As("carol"), Now.AddMinutes(4));
        Assert.Equal(IssueChangeOutcome.Done, applied.Outcome);
        Assert.Equal((FixStatus.Applied, "carol", Now.AddMinutes(4)), (applied.Fix!.Status, applied.Fix.AppliedBy!, applied.Fix.AppliedAt!.Value));
        Assert.Equal(new[] { "carol" }, applied.Fix.VerifiedBy);
        Assert.Equal((IssueStatus.Resolved, "carol", "fix_001"), (applied.Issue!.Status, applied.Issue.ResolvedBy!, applied.Issue.ResolvedByFix!));
        Assert.Equal(IssueChangeOutcome.Refused, store.ApplyFix("fix_001", As("carol"), Now.AddMinutes(5)).Outcome);
        Assert.Equal(IssueChangeOutcome.Refused, store.RejectFix("fix_001", As("carol"), "too late", Now.AddMinutes(5)).Outcome);
        Assert.Equal(IssueChangeOutcome.Refused, store.SubmitFix(FixFor("issue_001"), As("ann"), Now.AddMinutes(5)).Outcome); // resolved
        Assert.Throws<NotFoundException>(() => store.ApplyFix("fix_404", As("carol"), Now));
        Assert.Throws<NotFoundException>(() => store.SubmitFix(FixFor("issue_404"), As("ann"), Now));
    }

    [Fact]
    public void Rejecting_a_fix_sends_the_issue_back_to_work_unless_another_fix_awaits_review()
    {
        var store = Open();
        Create(store, "one");
        store.Claim("issue_001", As("ann"), Now);
        store.SubmitFix(FixFor("issue_001", id: "f1"), As("ann"), Now.AddMinutes(1));
        store.SubmitFix(FixFor("issue_001", id: "f2"), As("ann"), Now.AddMinutes(2));
        var first = store.RejectFix("F1", As("carol"), "wrong file", Now.AddMinutes(3));
        Assert.Equal(IssueChangeOutcome.Done, first.Outcome);
        Assert.Equal((FixStatus.Rejected, "carol", "wrong file"), (first.Fix!.Status, first.Fix.RejectedBy!, first.Fix.RejectReason!));
        Assert.Equal(IssueStatus.FixProposed, first.Issue!.Status); // f2 still awaits review
        var second = store.RejectFix("f2", As("carol"), "no test", Now.AddMinutes(4));
        Assert.Equal(IssueStatus.InProgress, second.Issue!.Status);
        Assert.Equal("ann", second.Issue.AssignedTo);
        Assert.Equal(new[] { "f1", "f2" }, store.ListFixes(new FixQuery { IssueId = "ISSUE_001", Status = FixStatus.Rejected }).Select(f => f.Id));
        Assert.Empty(store.ListFixes(new FixQuery { Status = FixStatus.Proposed }));
    }

    [Fact]
    public void Every_change_and_refusal_is_audited_with_its_outcome_and_the_audit_filters_ignore_case()
    {
        var store = Open();
        Create(store, "one", id: "Alpha");
        store.Claim("alpha", As("Ann"), Now.AddMinutes(1));
        store.Claim("alpha", As("bob"), Now.AddMinutes(2));
        store.SubmitFix(FixFor("alpha", id: "fx"), As("ann"), Now.AddMinutes(3));
        store.ApplyFix("fx", As("bob"), Now.AddMinutes(4));
        var held = store.Audit(As("bob"), AuditAction.ClaimIssue, false, "on hold", "Alpha", null, Now.AddMinutes(5));
        Assert.Equal(("bob", "on hold", false, Now.AddMinutes(5)), (held.Agent, held.Message, held.Success, held.Timestamp));

        var all = store.ListAudit(new AuditQuery());
        Assert.Equal(new[]
        {
            (AuditAction.CreateIssue, true), (AuditAction.ClaimIssue, true), (AuditAction.ClaimIssue, false),
            (AuditAction.ProposeFix, true), (AuditAction.ApplyFix, true), (AuditAction.ClaimIssue, false),
        }, all.Select(Line));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Id < p.Second.Id));
        Assert.Equal(new string?[] { null, null, null, "fx", "fx", null }, all.Select(a => a.FixId));
        Assert.Equal(held.Id, all[^1].Id);
        Assert.Equal(new[] { "Ann", "ann" }, store.ListAudit(new AuditQuery { Agent = "ANN" }).Select(a => a.Agent));
        Assert.Equal(6, store.ListAudit(new AuditQuery { IssueId = "ALPHA" }).Count);
        Assert.Equal(new[] { all[4].Id, all[5].Id }, store.ListAudit(new AuditQuery { AfterId = all[3].Id }).Select(a => a.Id));
        Assert.Equal(2, store.ListAudit(new AuditQuery { Since = Now.AddMinutes(4) }).Count);
        Assert.Equal(new[] { all[0].Id, all[1].Id }, store.ListAudit(new AuditQuery { Limit = 2 }).Select(a => a.Id));
    }

    [Fact]
    public void Listings_filter_by_status_severity_and_assignee_and_order_most_severe_then_oldest_then_id()
    {
        var store = Open();
        Create(store, "low", id: "l", severity: IssueSeverity.Low);
        Create(store, "crit b", id: "B", severity: IssueSeverity.Critical, atSecond: 5);
        Create(store, "crit a", id: "a", severity: IssueSeverity.Critical, atSecond: 5);
        Create(store, "crit old", id: "z", severity: IssueSeverity.Critical, atSecond: 1);
        Create(store, "done", id: "d", severity: IssueSeverity.High);
        store.Claim("d", As("ann"), Now);
        store.SubmitFix(FixFor("d"), As("ann"), Now);
        store.ApplyFix("fix_001", As("bob"), Now);
        store.Claim("l", As("Ann"), Now);

        Assert.Equal(new[] { "z", "a", "B", "l" }, store.ListIssues(new IssueQuery()).Select(i => i.Id));
        Assert.Equal(new[] { "z", "a", "B", "d", "l" }, store.ListIssues(new IssueQuery { IncludeResolved = true }).Select(i => i.Id));
        Assert.Equal(new[] { "z", "a", "B" }, store.ListIssues(new IssueQuery { AvailableOnly = true }).Select(i => i.Id));
        Assert.Equal(new[] { "z", "a" }, store.ListIssues(new IssueQuery { AvailableOnly = true, Limit = 2 }).Select(i => i.Id));
        Assert.Equal(new[] { "d" }, store.ListIssues(new IssueQuery { Status = IssueStatus.Resolved }).Select(i => i.Id));
        Assert.Equal(new[] { "l" }, store.ListIssues(new IssueQuery { Severity = IssueSeverity.Low }).Select(i => i.Id));
        Assert.Equal(new[] { "l" }, store.ListIssues(new IssueQuery { AssignedTo = "ANN" }).Select(i => i.Id));
        Assert.Empty(store.ListIssues(new IssueQuery { Severity = IssueSeverity.High }));

        var stats = store.Statistics();
        Assert.Equal((3L, 1L, 1L, 0L), (stats.IssuesByStatus[IssueStatus.New], stats.IssuesByStatus[IssueStatus.InProgress],
            stats.IssuesByStatus[IssueStatus.Resolved], stats.IssuesByStatus[IssueStatus.FixProposed]));
        Assert.Equal((3L, 0L, 1L), (stats.OpenIssuesBySeverity[IssueSeverity.Critical], stats.OpenIssuesBySeverity[IssueSeverity.High], stats.OpenIssuesBySeverity[IssueSeverity.Low]));
        Assert.Equal((1L, 0L), (stats.FixesByStatus[FixStatus.Applied], stats.FixesByStatus[FixStatus.Proposed]));
        Assert.Equal(3, stats.Available);
        Assert.Equal(store.ListAudit(new AuditQuery()).Max(a => a.Id), stats.LastAuditId);
    }

    [Fact]
    public void Import_adds_what_is_missing_as_it_is_gives_live_claims_a_token_and_counts_open_blockers()
    {
        var store = Open();
        Create(store, "already here", id: "old");
        var claimed = new Issue
        {
            Id = "imp-1", Title = "claimed", Severity = IssueSeverity.High, Status = IssueStatus.InProgress, CreatedBy = "zed",
            CreatedAt = Now.AddDays(-2), UpdatedAt = Now.AddDays(-1), AssignedTo = "zed", ClaimedAt = Now.AddDays(-1), BlockedBy = new[] { "OLD" },
        };
        var done = new Issue
        {
            Id = "imp-2", Title = "done", Status = IssueStatus.Resolved, CreatedBy = "zed", CreatedAt = Now.AddDays(-3), UpdatedAt = Now.AddDays(-3),
            AssignedTo = "zed", ResolvedBy = "yan", ResolvedAt = Now.AddDays(-3), ResolvedByFix = "imp-fix",
        };
        var fix = new Fix
        {
            Id = "imp-fix", IssueId = "imp-2", Title = "t", Approach = "a", Status = FixStatus.Applied, ProposedBy = "zed", ProposedAt = Now.AddDays(-3),
            VerifiedBy = new[] { "yan" }, AppliedBy = "yan", AppliedAt = Now.AddDays(-3),
        };
        var write = store.Import(new[] { claimed, done, new Issue { Id = "OLD", Title = "dup", CreatedBy = "zed" } }, new[] { fix }, As("ann"), "imported 3", Now);
        Assert.Equal(new[] { "imp-1", "imp-2" }, write.IssuesAdded);
        Assert.Equal(new[] { "imp-fix" }, write.FixesAdded);
        Assert.Equal(new[] { "OLD" }, write.AlreadyPresent);

        var back = store.GetIssue("IMP-1")!;
        Assert.Equal((IssueStatus.InProgress, "zed", 1L, 1), (back.Status, back.AssignedTo!, back.ClaimToken!.Value, back.OpenBlockers));
        Assert.Equal((Now.AddDays(-2), Now.AddDays(-1)), (back.CreatedAt, back.UpdatedAt));
        Assert.Null(store.GetIssue("imp-2")!.ClaimToken); // a resolved issue holds no claim
        Assert.Equal("already here", store.GetIssue("old")!.Title);
        var f = store.GetFix("IMP-FIX")!;
        Assert.Equal((FixStatus.Applied, "yan", Now.AddDays(-3)), (f.Status, f.AppliedBy!, f.AppliedAt!.Value));
        Assert.Equal(new[] { "yan" }, f.VerifiedBy);
        Assert.Equal((AuditAction.Import, true, "imported 3"), store.ListAudit(new AuditQuery()).Select(a => (a.Action, a.Success, a.Message)).Last());
        Assert.Equal(2, store.Claim("old", As("ann"), Now).Issue!.ClaimToken); // imports take tokens from the same counter

        // The imported blocker, named by its stored id, holds imp-1 back once its imported claim is released.
        Assert.Equal(IssueChangeOutcome.Done, store.Release("imp-1", As("zed"), false, null, 1, Now).Outcome);
        Assert.Contains("blocked by old", store.Claim("imp-1", As("ann"), Now).Message);
    }
}

public sealed class SqliteIssueStoreConformanceTests : IssueStoreConformanceTests
{
    private readonly TempProject _dir = new();

    protected override IFastbandStore CreateStore() => new SqliteStore(Path.Combine(_dir.Root, "issues.db"));

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
