using Fastband.Core.Health;
using Fastband.Core.Issues;
using Xunit;

namespace Fastband.Core.Tests.Issues;

/// <summary>Import of the seed library's folders, the reports' determinism, and the issues' health findings.</summary>
public sealed class IssueImportReportHealthTests : ProjectTest
{
    /// <summary>A seed-layout folder with good files and every kind of bad one.</summary>
    private string SeedLayout()
    {
        string root = Path.Combine(Dir.Root, "seed");
        void Put(string relative, string text)
        {
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        Put("issues/index.json", """{"issues": []}""");
        Put("issues/high/issue_007_test_new_issue_for_workflow_demo.json",
            """{"title": "Test New Issue for Workflow Demo", "status": "resolved", "resolved_by": "claude_code", "resolved_at": "2025-11-06T16:00:00Z", "created_at": "2025-11-06T15:00:00Z", "files": ["coordination_lib.py"]}""");
        Put("issues/critical/issue_008_template_variables.json",
            """{"issue_id": "issue_008", "title": "Template variable resolution failing", "status": "in_progress", "assigned_to": "gemini_cli", "description": "27 nodes", "created_at": "2025-11-06T14:00:00Z"}""");
        Put("issues/medium/issue_009_inputs.json",
            """{"id": "issue_009", "title": "Inputs/outputs parsing incomplete", "status": "new", "blocked_by": ["issue_008"]}""");
        Put("issues/medium/issue_010_broken.json", """{"title": "cut off in the middle""");
        Put("issues/low/issue_011_no_title.json", """{"status": "new"}""");
        Put("issues/low/issue_012_orphan.json", """{"title": "Waits for a ghost", "blocked_by": ["issue_099"]}""");
        Put("issues/urgent/issue_013.json", """{"title": "Not a severity"}""");
        Put("fixes/index.json", """{"fixes": []}""");
        Put("fixes/applied/fix_011_resolved_test_issue_with_automation.json",
            """{"fix_id": "fix_011", "title": "Resolved test issue with automation", "resolves": "issue_007", "metadata": {"implementer": "claude_code", "timestamp": "2025-11-06T15:45:00Z"}, "implementation": {"approach": "coordination library", "files": ["coordination_lib.py", "agent_start.py"], "lines": "1-534"}, "test_results": {"nodes_tested": ["a", "b"], "success_rate": "100%"}, "verified_by": ["claude_code"], "applied_at": "2025-11-06T16:00:00Z"}""");
        Put("fixes/proposed/fix_012_templates.json",
            """{"fix_id": "fix_012", "title": "Fixed template variable resolution", "resolves": "issue_008", "metadata": {"implementer": "gemini_cli", "timestamp": "2025-11-06T17:00:00Z"}, "implementation": {"approach": "resolve_template_variables()", "files": ["n8n_node_extractor.py"], "lines": "450-480"}, "test_results": {"tested": true, "notes": "Tested on 27 affected nodes"}}""");
        Put("fixes/proposed/fix_013_nowhere.json", """{"fix_id": "fix_013", "title": "Fixes nothing here", "resolves": "issue_404"}""");
        return root;
    }

    [Fact]
    public void Import_reads_the_seed_layout_lists_and_skips_the_broken_files_and_is_harmless_twice()
    {
        var ops = As("ops");
        var result = ops.Issues.Import(SeedLayout());
        Assert.Equal(new[] { "issue_008", "issue_007", "issue_009" }, result.IssuesAdded); // severity folders in order, then path
        Assert.Equal(new[] { "fix_011", "fix_012" }, result.FixesAdded.OrderBy(f => f));
        var skipped = result.Skipped.ToDictionary(s => s.File, s => s.Reason);
        Assert.Equal(5, skipped.Count);
        Assert.Contains("not valid JSON", skipped["issues/medium/issue_010_broken.json"]);
        Assert.Contains("no title", skipped["issues/low/issue_011_no_title.json"]);
        Assert.Contains("issue_099", skipped["issues/low/issue_012_orphan.json"]);
        Assert.Contains("not a severity folder", skipped["issues/urgent/issue_013.json"]);
        Assert.Contains("issue_404", skipped["fixes/proposed/fix_013_nowhere.json"]);

        var i7 = ops.Issues.Get("issue_007");
        Assert.Equal(("high", IssueStatus.Resolved, "claude_code"), (i7.Severity, i7.Status, i7.ResolvedBy));
        Assert.Equal(DateTimeOffset.Parse("2025-11-06T16:00:00Z"), i7.ResolvedAt);
        var i8 = ops.Issues.Get("issue_008");
        Assert.Equal(("critical", IssueStatus.InProgress, "gemini_cli"), (i8.Severity, i8.Status, i8.AssignedTo));
        Assert.NotNull(i8.ClaimToken);
        Assert.Equal(1, ops.Issues.Get("issue_009").OpenBlockers);
        Assert.Empty(ops.Issues.Ready());
        var f11 = ops.Issues.GetFix("fix_011");
        Assert.Equal((FixStatus.Applied, "claude_code", "1-534", true), (f11.Status, f11.ProposedBy, f11.Lines, f11.Tested));
        Assert.Equal("2 nodes tested, success rate 100%", f11.TestNotes);
        Assert.Equal(new[] { "coordination_lib.py", "agent_start.py" }, f11.Files);
        var f12 = ops.Issues.GetFix("fix_012");
        Assert.Equal((FixStatus.Proposed, "Tested on 27 affected nodes"), (f12.Status, f12.TestNotes));

        // The imported workflow carries on: applying the proposed fix resolves issue_008 and frees issue_009.
        As("openai_codex").Issues.Apply("fix_012");
        Assert.Equal(new[] { "issue_009" }, ops.Issues.Ready().Select(i => i.Id));
        Assert.Equal("issue_001", ops.Issues.Create("after the import").Id);

        var again = ops.Issues.Import(SeedLayout());
        Assert.Empty(again.IssuesAdded);
        Assert.Empty(again.FixesAdded);
        Assert.Equal(5, again.AlreadyPresent.Count);
        Assert.Equal(5, again.Skipped.Count);
        Assert.Equal(FixStatus.Applied, ops.Issues.GetFix("fix_012").Status); // not overwritten by the old file
    }

    [Fact]
    public void Import_of_a_folder_without_the_layout_is_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => As("ops").Issues.Import(Dir.Root));
        Assert.Contains("issues/", e.Message);
        Assert.Throws<NotFoundException>(() => As("ops").Issues.Import(Path.Combine(Dir.Root, "nope")));
    }

    private void SomeWork()
    {
        var a = As("alice");
        a.Issues.Create("Header | misaligned", "high", files: new[] { "base.html" });
        a.Issues.Create("Slow list", "low");
        Clock.Advance(TimeSpan.FromMinutes(3));
        var bob = As("bob");
        bob.Issues.Claim("issue_001");
        bob.Issues.Submit(new NewFix { IssueId = "issue_001", Title = "flex", Approach = "flexbox", Tested = true, TestNotes = "three pages" });
        As("carol").Issues.Apply("fix_001");
        bob.Issues.Claim("issue_002");
        Assert.Throws<BlockedException>(() => As("dave").Issues.Claim("issue_002"));
    }

    private static Dictionary<string, byte[]> Bytes(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Fact]
    public void Reports_are_the_same_bytes_for_the_same_data_whatever_the_clock_and_change_with_the_data()
    {
        var start = Clock.GetUtcNow();
        SomeWork();
        var p = As("reporter");
        var first = p.Issues.WriteReports();
        Assert.Equal(Path.Combine(Dir.Root, "reports"), first.Directory);
        Assert.Equal(new[] { IssueReports.OpenIssues, IssueReports.FixesApplied, IssueReports.AgentActivity, IssueReports.Metadata }, first.Files.Select(f => f.Name));
        Assert.All(first.Files, f => Assert.True(f.Changed));
        var before = Bytes(first.Directory);

        Clock.Advance(TimeSpan.FromDays(3));
        var second = p.Issues.WriteReports();
        Assert.All(second.Files, f => Assert.False(f.Changed));
        Assert.Equal(before, Bytes(second.Directory));
        var elsewhere = p.Issues.WriteReports(Path.Combine(Dir.Root, "copy"));
        Assert.Equal(before, Bytes(elsewhere.Directory));

        string open = File.ReadAllText(Path.Combine(first.Directory, IssueReports.OpenIssues));
        Assert.Contains("| issue_002 | Slow list | in_progress | bob |", open);
        Assert.DoesNotContain("issue_001", open);
        string fixes = File.ReadAllText(Path.Combine(first.Directory, IssueReports.FixesApplied));
        Assert.Contains("| fix_001 | issue_001 | flex | bob | carol |", fixes);
        string activity = File.ReadAllText(Path.Combine(first.Directory, IssueReports.AgentActivity));
        Assert.Contains("| dave | 1 | 1 |", activity);
        string meta = File.ReadAllText(Path.Combine(first.Directory, IssueReports.Metadata));
        Assert.Contains("\"auditId\": 7", meta);
        Assert.Contains($"\"dataAsOf\": \"{ManualClock.Iso(start.AddMinutes(3))}\"", meta); // the last audit entry's time

        As("erin").Issues.Create("New | one", "critical");
        var third = p.Issues.WriteReports();
        Assert.True(third.Files.Single(f => f.Name == IssueReports.OpenIssues).Changed);
        Assert.True(third.Files.Single(f => f.Name == IssueReports.Metadata).Changed);
        Assert.Contains("(audit entry #8)", File.ReadAllText(Path.Combine(first.Directory, IssueReports.FixesApplied))); // every report says how far the data goes
        Assert.Contains(@"New \| one", File.ReadAllText(Path.Combine(first.Directory, IssueReports.OpenIssues)));
    }

    private IssueHealthReport Health(FastbandProject p) => IssueHealthReport.Run(p.IssueHealth, Clock.GetUtcNow());

    [Fact]
    public void Health_reports_statistics_and_a_claim_whose_holder_went_quiet_as_unhealthy()
    {
        SomeWork();
        var p = As("ops");
        p.Issues.WriteReports();
        var fresh = Health(p);
        Assert.Equal(HealthState.Healthy, fresh.State);
        var stats = fresh.Findings.Single(f => f.Subject == "statistics");
        Assert.Equal(2L, stats.Details["issues"]);
        Assert.Contains("1 in progress", stats.Summary);

        Clock.Advance(TimeSpan.FromHours(1));
        As("bob").Agents.Register(); // bob is still around
        Clock.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal(HealthState.Healthy, Health(p).State);
        Clock.Advance(TimeSpan.FromHours(1));
        var stale = Health(p);
        Assert.Equal(HealthState.Unhealthy, stale.State);
        var claim = stale.Findings.Single(f => f.Subject == "claim issue_002");
        Assert.Contains("claimed by bob, last seen 2h ago", claim.Summary);
        Assert.Contains("release issue_002 --force", claim.Summary);
    }

    [Fact]
    public void Health_warns_of_missing_or_stale_reports_and_runs_inside_the_shared_health_command()
    {
        var p = As("ops");
        Assert.Equal(HealthState.Healthy, Health(p).State); // nothing to report yet
        p.Issues.Create("x");
        Assert.Contains("No reports", Health(p).Findings.Single(f => f.Subject == "reports" && f.State == HealthState.Warning).Summary);
        p.Issues.WriteReports();
        Assert.Equal(HealthState.Healthy, Health(p).Findings.Single(f => f.Subject == "reports").State);
        p.Issues.Create("y");
        Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(HealthState.Healthy, Health(p).Findings.Single(f => f.Subject == "reports").State); // behind, but not for long
        Clock.Advance(TimeSpan.FromHours(2));
        var reports = Health(p).Findings.Single(f => f.Subject == "reports");
        Assert.Equal(HealthState.Warning, reports.State);
        Assert.Contains("1 changes since", reports.Summary);

        // The same findings come out of the shared `fastband health` (which also runs the locks check).
        var shared = p.Health.Run();
        Assert.Contains(shared.Findings, f => f.Check == "issues" && f.Subject == "reports" && f.State == HealthState.Warning);
        Assert.Contains(shared.Findings, f => f.Check == "locks");
    }
}
