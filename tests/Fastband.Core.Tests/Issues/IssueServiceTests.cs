using Fastband.Core.Issues;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Issues;

/// <summary>The issue and fix workflow against a real store: the whole cycle, the ready list, and every refusal.</summary>
public class IssueServiceTests : ProjectTest
{
    private static NewFix FixFor(string issueId, string? id = null) => new()
    {
        Id = id, IssueId = issueId, Title = "Align the header", Approach = "flex instead of floats", Files = new[] { "base.html,site.css" },
        Lines = "10-20", Tested = true, TestNotes = "checked three pages",
    };

    private IReadOnlyList<AuditEntry> AuditOf(FastbandProject p) => p.Issues.Audit(new AuditQuery());

    [Fact]
    public void The_whole_cycle_create_claim_submit_apply_resolves_the_issue_and_audits_every_step()
    {
        var alice = As("alice");
        var issue = alice.Issues.Create("Header misaligned", "high", "On every page", new[] { "base.html" });
        Assert.Equal("issue_001", issue.Id);
        Assert.Equal(IssueStatus.New, issue.Status);
        Assert.True(issue.IsAvailable);

        Clock.Advance(TimeSpan.FromMinutes(1));
        var bob = As("bob");
        var claimed = bob.Issues.Claim("ISSUE_001"); // ids are case-insensitive
        Assert.Equal(IssueStatus.InProgress, claimed.Status);
        Assert.Equal("bob", claimed.AssignedTo);
        Assert.Equal(1, claimed.ClaimToken);
        Assert.Equal(Clock.GetUtcNow(), claimed.ClaimedAt);
        Assert.Empty(bob.Issues.Ready());
        Assert.Equal(new[] { "issue_001" }, bob.Issues.Mine().Select(i => i.Id));

        var fix = bob.Issues.Submit(FixFor("issue_001"));
        Assert.Equal("fix_001", fix.Id);
        Assert.Equal(FixStatus.Proposed, fix.Status);
        Assert.Equal(new[] { "base.html", "site.css" }, fix.Files);
        Assert.Equal(IssueStatus.FixProposed, bob.Issues.Get("issue_001").Status);

        Clock.Advance(TimeSpan.FromMinutes(5));
        var carol = As("carol");
        var applied = carol.Issues.Apply("fix_001");
        Assert.Equal(FixStatus.Applied, applied.Status);
        Assert.Equal(new[] { "carol" }, applied.VerifiedBy);
        Assert.Equal("carol", applied.AppliedBy);
        var resolved = carol.Issues.Get("issue_001");
        Assert.Equal(IssueStatus.Resolved, resolved.Status);
        Assert.Equal("carol", resolved.ResolvedBy);
        Assert.Equal(Clock.GetUtcNow(), resolved.ResolvedAt);
        Assert.Equal("fix_001", resolved.ResolvedByFix);

        var audit = AuditOf(carol);
        Assert.Equal(new[] { AuditAction.CreateIssue, AuditAction.ClaimIssue, AuditAction.ProposeFix, AuditAction.ApplyFix }, audit.Select(a => a.Action));
        Assert.Equal(new[] { "alice", "bob", "bob", "carol" }, audit.Select(a => a.Agent));
        Assert.All(audit, a => Assert.True(a.Success));
        Assert.All(audit, a => Assert.Equal("issue_001", a.IssueId));
        Assert.Equal(new string?[] { null, null, "fix_001", "fix_001" }, audit.Select(a => a.FixId));
        // The acting agents are seen: claims by them are judged stale from this.
        Assert.Equal(Clock.GetUtcNow(), carol.Store.Agents.Get("carol")!.LastSeenAt);
    }

    [Fact]
    public void Ready_lists_unclaimed_unblocked_issues_most_severe_first_then_oldest_and_a_resolved_blocker_frees_its_dependents()
    {
        var a = As("alice");
        a.Issues.Create("low one", "low");
        Clock.Advance(TimeSpan.FromSeconds(1));
        a.Issues.Create("old medium", "medium");
        Clock.Advance(TimeSpan.FromSeconds(1));
        a.Issues.Create("critical", "critical", id: "crit");
        Clock.Advance(TimeSpan.FromSeconds(1));
        a.Issues.Create("new medium", "medium");
        a.Issues.Create("waits for crit", "critical", blockedBy: new[] { "crit" });
        Assert.Equal(new[] { "crit", "issue_002", "issue_003", "issue_001" }, a.Issues.Ready().Select(i => i.Id));
        Assert.Equal(new[] { "crit" }, a.Issues.Ready(limit: 1).Select(i => i.Id));
        Assert.Equal(new[] { "issue_002", "issue_003" }, a.Issues.Ready("medium").Select(i => i.Id));

        a.Issues.Claim("crit");
        Assert.DoesNotContain("crit", a.Issues.Ready().Select(i => i.Id));
        a.Issues.Submit(FixFor("crit"));
        As("bob").Issues.Apply("fix_001");
        var freed = a.Issues.Get("issue_004");
        Assert.Equal(0, freed.OpenBlockers);
        Assert.Equal("issue_004", a.Issues.Ready().First().Id);
        Assert.Equal(5, a.Issues.List(new IssueQuery { IncludeResolved = true }).Count);
        Assert.Equal(4, a.Issues.List(new IssueQuery()).Count);
        Assert.Equal(new[] { "crit" }, a.Issues.List(new IssueQuery { Status = "resolved" }).Select(i => i.Id));
    }

    [Fact]
    public void The_available_list_reads_the_partial_index_in_order_without_sorting()
    {
        using var store = new SqliteStore(Path.Combine(Dir.StateDir, "plan.db"));
        string plan = string.Join(" | ", store.ExplainIssueQuery(new IssueQuery { AvailableOnly = true }));
        Assert.Contains("USING INDEX ix_issues_available", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
    }

    [Fact]
    public void An_invalid_severity_an_unknown_blocker_or_a_taken_id_is_refused_and_nothing_is_written()
    {
        var a = As("alice");
        var severity = Assert.Throws<InvalidInputException>(() => a.Issues.Create("x", "urgent"));
        Assert.Equal("InvalidSeverity", severity.ErrorId);
        Assert.Contains("critical, high, medium, low", severity.Message);
        var blocker = Assert.Throws<InvalidInputException>(() => a.Issues.Create("x", blockedBy: new[] { "issue_404" }));
        Assert.Equal("UnknownBlocker", blocker.ErrorId);
        Assert.Contains("issue_404", blocker.Message);
        Assert.Throws<InvalidInputException>(() => a.Issues.Create("  "));
        Assert.Throws<InvalidInputException>(() => a.Issues.Create("x", id: "bad id!"));
        Assert.Empty(a.Issues.List(new IssueQuery { IncludeResolved = true }));
        Assert.Empty(AuditOf(a));

        a.Issues.Create("first", id: "dup");
        var taken = Assert.Throws<BlockedException>(() => a.Issues.Create("second", id: "DUP"));
        Assert.Equal("IssueExists", taken.ErrorId);
        Assert.Single(a.Issues.List(new IssueQuery()));
        Assert.Single(AuditOf(a));
    }

    [Fact]
    public void A_claim_on_a_claimed_issue_is_refused_naming_the_holder_and_audited_and_the_holder_claiming_again_keeps_its_token()
    {
        As("alice").Issues.Create("x");
        var bob = As("bob");
        long token = bob.Issues.Claim("issue_001").ClaimToken!.Value;
        var e = Assert.Throws<BlockedException>(() => As("carol").Issues.Claim("issue_001"));
        Assert.Equal("IssueUnavailable", e.ErrorId);
        Assert.Contains("claimed by bob", e.Message);
        Assert.Equal(token, bob.Issues.Claim("issue_001").ClaimToken);
        Assert.Equal("bob", bob.Issues.Get("issue_001").AssignedTo);
        var refused = AuditOf(bob).Single(a => !a.Success);
        Assert.Equal(("carol", AuditAction.ClaimIssue), (refused.Agent, refused.Action));
        Assert.Contains("claimed by bob", refused.Message);
    }

    [Fact]
    public void A_blocked_a_resolved_or_an_unknown_issue_cannot_be_claimed()
    {
        var a = As("alice");
        a.Issues.Create("blocker");
        a.Issues.Create("blocked", blockedBy: new[] { "issue_001" });
        var blocked = Assert.Throws<BlockedException>(() => a.Issues.Claim("issue_002"));
        Assert.Contains("blocked by issue_001", blocked.Message);
        var unknown = Assert.Throws<NotFoundException>(() => a.Issues.Claim("issue_404"));
        Assert.Equal("IssueNotFound", unknown.ErrorId);
        Assert.Equal(3, AuditOf(a).Count); // two creates and the blocked claim; the unknown id wrote nothing

        a.Issues.Claim("issue_001");
        a.Issues.Submit(FixFor("issue_001"));
        a.Issues.Apply("fix_001");
        var resolved = Assert.Throws<BlockedException>(() => As("bob").Issues.Claim("issue_001"));
        Assert.Contains("already resolved", resolved.Message);
    }

    [Fact]
    public void A_hold_covering_the_caller_refuses_the_claim_naming_the_hold_until_a_clearance_or_the_lift()
    {
        As("alice").Issues.Create("x");
        var ops = As("ops");
        var hold = ops.Directives.Hold("Database migration", agents: new[] { "bob" });
        var bob = As("bob");
        var e = Assert.Throws<BlockedException>(() => bob.Issues.Claim("issue_001"));
        Assert.Equal("HoldInForce", e.ErrorId);
        Assert.Contains($"hold {hold.Id} by ops", e.Message);
        Assert.Contains("Database migration", e.Message);
        Assert.Equal(IssueStatus.New, bob.Issues.Get("issue_001").Status);
        Assert.Contains(AuditOf(bob), a => !a.Success && a.Agent == "bob" && a.Message.Contains("Database migration"));

        // The hold names bob only; a clearance for this issue lets bob through.
        As("carol").Issues.Create("y");
        Assert.Equal("carol", As("carol").Issues.Claim("issue_002").AssignedTo);
        ops.Directives.GrantClearance(new[] { "bob" }, new[] { "issue_001" }, "not touching the database");
        Assert.Equal("bob", bob.Issues.Claim("issue_001").AssignedTo);
    }

    [Fact]
    public void Only_the_holder_releases_unless_forced_with_a_reason_which_is_audited()
    {
        As("alice").Issues.Create("x");
        As("bob").Issues.Claim("issue_001");
        var carol = As("carol");
        var e = Assert.Throws<BlockedException>(() => carol.Issues.Release("issue_001"));
        Assert.Contains("claimed by bob, not carol", e.Message);
        Assert.Equal("bob", carol.Issues.Get("issue_001").AssignedTo);
        Assert.Equal("ReasonRequired", Assert.Throws<InvalidInputException>(() => carol.Issues.Release("issue_001", force: true)).ErrorId);

        var released = carol.Issues.Release("issue_001", force: true, reason: "bob has been gone since Friday");
        Assert.Equal(IssueStatus.New, released.Status);
        Assert.Null(released.AssignedTo);
        Assert.Null(released.ClaimToken);
        var forced = AuditOf(carol).Last();
        Assert.True(forced.Success);
        Assert.Equal(AuditAction.ReleaseIssue, forced.Action);
        Assert.Contains("bob's claim", forced.Message);
        Assert.Contains("gone since Friday", forced.Message);

        var dave = As("dave");
        Assert.Equal(2, dave.Issues.Claim("issue_001").ClaimToken); // a new claim, a new token
        Assert.Equal(IssueStatus.New, dave.Issues.Release("issue_001").Status);
        Assert.Contains("not claimed", Assert.Throws<BlockedException>(() => dave.Issues.Release("issue_001")).Message);
    }

    [Fact]
    public void A_claim_token_from_before_the_claim_changed_hands_is_refused_for_submit_and_release()
    {
        As("alice").Issues.Create("x");
        var bob = As("bob");
        long old = bob.Issues.Claim("issue_001").ClaimToken!.Value;
        As("carol").Issues.Release("issue_001", force: true, reason: "bob looked gone");
        long current = bob.Issues.Claim("issue_001").ClaimToken!.Value;
        Assert.True(current > old);
        var e = Assert.Throws<BlockedException>(() => bob.Issues.Submit(FixFor("issue_001") with { ClaimToken = old }));
        Assert.Contains($"Claim token {old} is no longer issue_001's", e.Message);
        Assert.Empty(bob.Issues.Fixes());
        Assert.Throws<BlockedException>(() => bob.Issues.Release("issue_001", claimToken: old));
        Assert.Equal("bob", bob.Issues.Get("issue_001").AssignedTo);
        Assert.Equal(FixStatus.Proposed, bob.Issues.Submit(FixFor("issue_001") with { ClaimToken = current }).Status);
    }

    [Fact]
    public void A_claim_whose_holder_went_quiet_is_taken_over_only_when_asked_and_only_once_stale()
    {
        As("alice").Issues.Create("x");
        var bob = As("bob");
        long old = bob.Issues.Claim("issue_001").ClaimToken!.Value;
        var carol = As("carol");
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Contains("--take-stale", Assert.Throws<BlockedException>(() => carol.Issues.Claim("issue_001")).Message);
        Assert.Throws<BlockedException>(() => carol.Issues.Claim("issue_001", takeStale: true)); // bob was seen 1 h ago: not stale
        Clock.Advance(TimeSpan.FromHours(1.5));
        var taken = carol.Issues.Claim("issue_001", takeStale: true);
        Assert.Equal("carol", taken.AssignedTo);
        Assert.True(taken.ClaimToken > old);
        Assert.Contains("taking over bob's stale claim", AuditOf(carol).Last(a => a.Success).Message);
        // bob comes back: the issue is carol's, and he is told so.
        Assert.Contains("claimed by carol, not bob", Assert.Throws<BlockedException>(() => bob.Issues.Release("issue_001", claimToken: old)).Message);
        Assert.Contains("claimed by carol", Assert.Throws<BlockedException>(() => bob.Issues.Claim("issue_001", takeStale: true)).Message);
    }

    [Fact]
    public void A_fix_for_an_unknown_issue_or_by_someone_not_holding_it_is_refused()
    {
        var a = As("alice");
        var unknown = Assert.Throws<NotFoundException>(() => a.Issues.Submit(FixFor("issue_404")));
        Assert.Contains("issue_404", unknown.Message);
        Assert.Empty(a.Issues.Fixes());
        Assert.Empty(AuditOf(a));

        a.Issues.Create("x");
        Assert.Contains("claim it first", Assert.Throws<BlockedException>(() => a.Issues.Submit(FixFor("issue_001"))).Message);
        As("bob").Issues.Claim("issue_001");
        Assert.Contains("claimed by bob", Assert.Throws<BlockedException>(() => a.Issues.Submit(FixFor("issue_001"))).Message);
        Assert.Equal("NoText", Assert.Throws<InvalidInputException>(() => As("bob").Issues.Submit(FixFor("issue_001") with { Approach = "" })).ErrorId);
        Assert.Empty(a.Issues.Fixes());
    }

    [Fact]
    public void Apply_and_reject_are_refused_unless_the_fix_is_proposed_and_a_rejection_sends_the_issue_back_to_work()
    {
        As("alice").Issues.Create("x");
        var bob = As("bob");
        bob.Issues.Claim("issue_001");
        bob.Issues.Submit(FixFor("issue_001"));
        var carol = As("carol");
        Assert.Equal("NoText", Assert.Throws<InvalidInputException>(() => carol.Issues.Reject("fix_001", " ")).ErrorId);
        var rejected = carol.Issues.Reject("fix_001", "breaks the footer");
        Assert.Equal(FixStatus.Rejected, rejected.Status);
        Assert.Equal("breaks the footer", rejected.RejectReason);
        var issue = carol.Issues.Get("issue_001");
        Assert.Equal(IssueStatus.InProgress, issue.Status);
        Assert.Equal("bob", issue.AssignedTo);

        var notProposed = Assert.Throws<BlockedException>(() => carol.Issues.Apply("fix_001"));
        Assert.Equal("FixNotProposed", notProposed.ErrorId);
        Assert.Contains("rejected", notProposed.Message);
        Assert.Equal(FixStatus.Rejected, carol.Issues.GetFix("fix_001").Status);
        Assert.Throws<NotFoundException>(() => carol.Issues.Apply("fix_404"));

        bob.Issues.Submit(FixFor("issue_001", id: "fix_better"));
        carol.Issues.Apply("fix_better");
        Assert.Contains("applied by carol", Assert.Throws<BlockedException>(() => carol.Issues.Apply("fix_better")).Message);
        Assert.Throws<BlockedException>(() => carol.Issues.Reject("fix_better", "too late"));
        Assert.Equal(IssueStatus.Resolved, carol.Issues.Get("issue_001").Status);
        var refusals = AuditOf(carol).Where(a => !a.Success).Select(a => a.Action).ToList();
        Assert.Equal(new[] { AuditAction.ApplyFix, AuditAction.ApplyFix, AuditAction.RejectFix }, refusals);
    }

    [Fact]
    public void The_audit_exports_as_jsonl_in_the_seed_shape_and_since_filters()
    {
        var a = As("alice");
        var start = Clock.GetUtcNow();
        a.Issues.Create("x");
        Clock.Advance(TimeSpan.FromHours(2));
        a.Issues.Claim("issue_001");
        a.Issues.Submit(FixFor("issue_001"));
        string file = Path.Combine(Dir.Root, "out", "audit_log.jsonl");
        var all = a.Issues.ExportAudit(file);
        Assert.Equal(3, all.Entries);
        var lines = File.ReadAllLines(file);
        Assert.Equal($$"""{"timestamp":"{{ManualClock.Iso(start)}}","agent":"alice","action":"create_issue","success":true,"message":"Created issue_001 [medium]: x","issue_id":"issue_001"}""", lines[0]);
        Assert.Equal($$"""{"timestamp":"{{ManualClock.Iso(start.AddHours(2))}}","agent":"alice","action":"propose_fix","success":true,"message":"Proposed fix_001 for issue_001: Align the header","fix_id":"fix_001","issue_id":"issue_001"}""", lines[2]);
        var recent = a.Issues.ExportAudit(file, Clock.GetUtcNow().AddHours(-1));
        Assert.Equal(2, recent.Entries);
        Assert.Equal(2, File.ReadAllLines(file).Length);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(file)!, "*.tmp-*"));
    }

    [Fact]
    public void The_issues_config_section_is_read_and_an_unknown_key_is_refused_with_the_allowed_names()
    {
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), "issues:\n  staleClaimAfter: 30m\n  reportsDirectory: out/reports\n");
        var config = FastbandConfig.Load(Dir.StateDir);
        Assert.Equal(TimeSpan.FromMinutes(30), config.Issues.StaleClaimAfter);
        Assert.Equal("out/reports", config.Issues.ReportsDirectory);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), "issues:\n  staleClaims: 30m\n");
        var e = Assert.Throws<InvalidInputException>(() => FastbandConfig.Load(Dir.StateDir));
        Assert.Contains("staleClaimAfter, reportStaleAfter, reportsDirectory", e.Message);
    }
}

/// <summary>The tests above, unchanged, on a PostgreSQL store (a fresh schema per test through FASTBAND_STORE): the issue and fix workflow (claims, fixes, ready list order, audit, import).</summary>
[Collection(Concurrency.MultiProcessRaces.Name)] // out of the way of the backup tests that fingerprint the server's WAL position
public sealed class PostgresIssueServiceTests : IssueServiceTests
{
    public PostgresIssueServiceTests() => Dir.UsePostgres("issues");
}
