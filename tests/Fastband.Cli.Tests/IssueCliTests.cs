using System.Reflection;
using System.Text.Json;
using Fastband.Core.Issues;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>Issues, fixes, the audit trail, reports and the issues' health, end to end through the real fastband executable.</summary>
public sealed class IssueCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static IEnumerable<string> CamelCaseProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).OrderBy(n => n, StringComparer.Ordinal);

    private static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal);

    private CliRunner.Result Ok(string agent, params string[] args)
    {
        var r = _cli.As(agent, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    private int IssueCount() => Ok("reader", "issue", "list", "--all", "--json").Json.GetArrayLength();

    [Fact]
    public void Issue_claim_submit_apply_round_trip_with_json_named_like_the_cmdlet_objects()
    {
        var created = Ok("alice", "issue", "new", "--title", "Header misaligned", "--severity", "high", "--files", "base.html,site.css", "--json").Json;
        Assert.Equal(CamelCaseProperties(typeof(Issue)), Names(created));
        Assert.Equal("issue_001", created.GetProperty("id").GetString());
        Assert.Equal("high", created.GetProperty("severity").GetString());
        Ok("alice", "issue", "new", "--title", "Needs the header", "--blocked-by", "issue_001");

        var ready = Ok("bob", "issue", "ready", "--json").Json;
        Assert.Equal(new[] { "issue_001" }, ready.EnumerateArray().Select(i => i.GetProperty("id").GetString()));

        var claimed = Ok("bob", "issue", "claim", "issue_001", "--json").Json;
        Assert.Equal("bob", claimed.GetProperty("assignedTo").GetString());
        Assert.Equal(1, claimed.GetProperty("claimToken").GetInt64());
        Assert.Contains("claim token 1", Ok("bob", "issue", "claim", "issue_001").Stdout); // already mine: the same token
        Assert.Equal(new[] { "issue_001" }, Ok("bob", "issue", "list", "--mine", "--json").Json.EnumerateArray().Select(i => i.GetProperty("id").GetString()));

        var fix = Ok("bob", "fix", "submit", "--issue", "issue_001", "--title", "Use flexbox", "--approach", "flex instead of floats",
            "--files", "site.css", "--lines", "10-20", "--tested", "--test-notes", "three pages", "--json").Json;
        Assert.Equal(CamelCaseProperties(typeof(Fix)), Names(fix));
        Assert.Equal("fix_001", fix.GetProperty("id").GetString());
        Assert.True(fix.GetProperty("tested").GetBoolean());

        var applied = Ok("carol", "fix", "apply", "fix_001", "--json").Json;
        Assert.Equal("applied", applied.GetProperty("status").GetString());
        Assert.Equal(new[] { "carol" }, applied.GetProperty("verifiedBy").EnumerateArray().Select(v => v.GetString()));
        var shown = Ok("carol", "issue", "show", "issue_001");
        Assert.Contains("resolved", shown.Stdout);
        Assert.Contains("fix_001", shown.Stdout);
        Assert.Equal(new[] { "issue_002" }, Ok("dave", "issue", "ready", "--json").Json.EnumerateArray().Select(i => i.GetProperty("id").GetString()));

        var audit = Ok("reader", "audit", "--json").Json;
        Assert.Equal(CamelCaseProperties(typeof(AuditEntry)), Names(audit[0]));
        Assert.Equal(new[] { "create_issue", "create_issue", "claim_issue", "propose_fix", "apply_fix" }, // claiming your own claim again changes nothing and is not audited
            audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()));
    }

    [Fact]
    public void Refusals_exit_with_the_right_code_and_one_sentence_and_write_nothing_for_bad_input()
    {
        var severity = _cli.As("alice", "issue", "new", "--title", "x", "--severity", "urgent");
        Assert.True(severity.ExitCode == 2, severity.ToString());
        Assert.Contains("critical, high, medium, low", severity.Stderr);
        var blocker = _cli.As("alice", "issue", "new", "--title", "x", "--blocked-by", "issue_404");
        Assert.True(blocker.ExitCode == 2, blocker.ToString());
        Assert.Contains("issue_404", blocker.Stderr);
        Assert.Equal(0, IssueCount());
        Assert.Equal(0, Ok("reader", "audit", "--json").Json.GetArrayLength());

        Ok("alice", "issue", "new", "--title", "x");
        Ok("bob", "issue", "claim", "issue_001");
        var taken = _cli.As("carol", "issue", "claim", "issue_001");
        Assert.True(taken.ExitCode == 3, taken.ToString());
        Assert.Contains("claimed by bob", taken.Stderr);
        var release = _cli.As("carol", "issue", "release", "issue_001");
        Assert.True(release.ExitCode == 3, release.ToString());
        Assert.Contains("only bob may release it", release.Stderr);
        var noReason = _cli.As("carol", "issue", "release", "issue_001", "--force");
        Assert.True(noReason.ExitCode == 2, noReason.ToString());
        var unknownFix = _cli.As("bob", "fix", "submit", "--issue", "issue_404", "--title", "t", "--approach", "a");
        Assert.True(unknownFix.ExitCode == 4, unknownFix.ToString());
        Assert.Equal(0, Ok("reader", "fix", "list", "--json").Json.GetArrayLength());
        var notProposed = _cli.As("carol", "fix", "apply", "fix_404");
        Assert.True(notProposed.ExitCode == 4, notProposed.ToString());
        Ok("bob", "fix", "submit", "--issue", "issue_001", "--title", "t", "--approach", "a");
        Ok("carol", "fix", "reject", "fix_001", "--reason", "breaks the footer");
        var again = _cli.As("carol", "fix", "apply", "fix_001");
        Assert.True(again.ExitCode == 3, again.ToString());
        Assert.Contains("rejected", again.Stderr);
        Assert.Equal("in_progress", Ok("reader", "issue", "show", "issue_001", "--json").Json.GetProperty("status").GetString());
        var show = _cli.Run("issue", "show", "issue_404");
        Assert.True(show.ExitCode == 4, show.ToString());
    }

    [Fact]
    public void A_hold_on_the_caller_refuses_the_claim_with_exit_3_naming_the_hold()
    {
        Ok("alice", "issue", "new", "--title", "x");
        Ok("ops", "ops", "hold", "Database migration in progress");
        var r = _cli.As("bob", "issue", "claim", "issue_001");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("hold", r.Stderr);
        Assert.Contains("Database migration in progress", r.Stderr);
        Ok("ops", "ops", "lift", "done");
        Ok("bob", "issue", "claim", "issue_001");
    }

    [Fact]
    public void Import_lists_the_broken_files_and_audit_export_and_reports_write_their_files()
    {
        string seed = Path.Combine(_cli.Root, "seed");
        Directory.CreateDirectory(Path.Combine(seed, "issues", "high"));
        Directory.CreateDirectory(Path.Combine(seed, "fixes", "proposed"));
        File.WriteAllText(Path.Combine(seed, "issues", "high", "issue_007_demo.json"), """{"title": "Demo", "status": "in_progress", "assigned_to": "claude_code"}""");
        File.WriteAllText(Path.Combine(seed, "issues", "high", "issue_008_broken.json"), "{ not json");
        File.WriteAllText(Path.Combine(seed, "fixes", "proposed", "fix_011_demo.json"), """{"fix_id": "fix_011", "title": "Demo fix", "resolves": "issue_007", "implementation": {"approach": "a"}}""");
        var imported = Ok("ops", "issue", "import", seed);
        Assert.Contains("Imported 1 issues and 1 fixes", imported.Stdout);
        Assert.Contains("skipped issues/high/issue_008_broken.json: is not valid JSON", imported.Stdout);
        Assert.Equal("claude_code", Ok("reader", "issue", "show", "issue_007", "--json").Json.GetProperty("assignedTo").GetString());

        string export = Path.Combine(_cli.Root, "audit_log.jsonl");
        var exported = Ok("reader", "audit", "--export", export, "--json").Json;
        Assert.Equal(1, exported.GetProperty("entries").GetInt32());
        using (var line = JsonDocument.Parse(File.ReadAllLines(export).Single()))
            Assert.Equal(new[] { "timestamp", "agent", "action", "success", "message" }, line.RootElement.EnumerateObject().Select(p => p.Name));

        var first = Ok("reader", "report", "--json").Json;
        string dir = first.GetProperty("directory").GetString()!;
        Assert.Equal(Path.Combine(_cli.Root, "reports"), dir);
        var bytes = Directory.GetFiles(dir).OrderBy(f => f).Select(File.ReadAllBytes).ToList();
        var second = Ok("reader", "report", "--json").Json;
        Assert.All(second.GetProperty("files").EnumerateArray(), f => Assert.False(f.GetProperty("changed").GetBoolean()));
        Assert.Equal(bytes, Directory.GetFiles(dir).OrderBy(f => f).Select(File.ReadAllBytes).ToList());
        Assert.Contains("| claude_code | issue_007 | high | in_progress |", File.ReadAllText(Path.Combine(dir, "AGENT_ACTIVITY_REPORT.md")));
    }

    [Fact]
    public void Issue_health_exits_1_when_a_claim_is_stale_and_another_agent_may_then_take_it_over()
    {
        Ok("alice", "issue", "new", "--title", "x");
        Ok("reader", "report");
        var healthy = _cli.Run("issue", "health", "--json");
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.Equal("healthy", healthy.Json.GetProperty("state").GetString());

        File.WriteAllText(Path.Combine(_cli.Root, ".fastband", "config.yaml"), "issues:\n  staleClaimAfter: 1ms\n");
        Ok("bob", "issue", "claim", "issue_001");
        var stale = _cli.Run("issue", "health");
        Assert.True(stale.ExitCode == 1, stale.ToString());
        Assert.Contains("FAIL claim issue_001: issue_001 is claimed by bob", stale.Stdout);
        var shared = _cli.Run("health", "--json");
        Assert.True(shared.ExitCode == 1, shared.ToString()); // the shared health command runs the issues check too

        Assert.Equal(3, _cli.As("carol", "issue", "claim", "issue_001").ExitCode);
        var taken = Ok("carol", "issue", "claim", "issue_001", "--take-stale", "--json").Json;
        Assert.Equal("carol", taken.GetProperty("assignedTo").GetString());
        Assert.Equal(2, taken.GetProperty("claimToken").GetInt64());
    }
}
