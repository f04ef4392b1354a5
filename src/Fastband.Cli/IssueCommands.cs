using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.Health;
using Fastband.Core.Issues;

namespace Fastband.Cli;

/// <summary>
/// <c>fastband issue ...</c>, <c>fastband fix ...</c>, <c>fastband audit</c> and <c>fastband report</c>: the issue and
/// fix workflow with atomic claims, its audit trail and its reports.
/// </summary>
internal static class IssueCommands
{
    public static Command Issue()
    {
        var cmd = new Command("issue", "Issues: create, list what is ready, claim atomically, release, import the seed library's folders.");
        cmd.Subcommands.Add(New());
        cmd.Subcommands.Add(List());
        cmd.Subcommands.Add(Ready());
        cmd.Subcommands.Add(Show());
        cmd.Subcommands.Add(Claim());
        cmd.Subcommands.Add(Release());
        cmd.Subcommands.Add(Import());
        cmd.Subcommands.Add(Health());
        return cmd;
    }

    public static Command Fix()
    {
        var cmd = new Command("fix", "Fixes: submit (propose) one for an issue you hold, apply (approve) or reject a proposed one, list them.");
        cmd.Subcommands.Add(Submit());
        cmd.Subcommands.Add(Apply());
        cmd.Subcommands.Add(Reject());
        cmd.Subcommands.Add(FixList());
        return cmd;
    }

    // ------------------------------------------------------------------ issue

    private static Option<string?> SeverityOption(string description) => new("--severity") { Description = description + " One of " + string.Join(", ", IssueSeverity.All) + "." };

    private static Option<int> LimitOption() => new("--limit") { Description = "At most this many (0: no limit)." };

    private static Command New()
    {
        var title = new Option<string>("--title") { Description = "A few words that say what is wrong.", Required = true };
        var severity = SeverityOption("How bad it is (default medium).");
        var description = new Option<string?>("--description") { Description = "Detail: what happens, how to reproduce it." };
        var files = new Option<string[]>("--files") { Description = "The files involved (comma-separated).", Arity = ArgumentArity.OneOrMore };
        var blockedBy = new Option<string[]>("--blocked-by") { Description = "Issues that must be resolved first (comma-separated ids).", Arity = ArgumentArity.OneOrMore };
        var id = new Option<string?>("--id") { Description = "The id to use (default: the next issue_NNN)." };
        var cmd = new Command("new", "Create an issue (exit 2 for an invalid severity or an unknown blocker, 3 if the id is taken).") { title, severity, description, files, blockedBy, id };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var issue = project.Issues.Create(p.GetValue(title)!, p.GetValue(severity), p.GetValue(description), p.GetValue(files), p.GetValue(blockedBy), p.GetValue(id));
            return Outcome.Of(issue, $"Created {issue}.");
        }, writes: true));
        return cmd;
    }

    private static Command List()
    {
        var available = new Option<bool>("--available") { Description = "Only issues ready to claim: unclaimed and not blocked (the same as 'issue ready')." };
        var status = new Option<string?>("--status") { Description = "Only this status: " + string.Join(", ", IssueStatus.All) + "." };
        var severity = SeverityOption("Only this severity.");
        var mine = new Option<bool>("--mine") { Description = "Only the issues you hold." };
        var all = new Option<bool>("--all") { Description = "Include resolved issues." };
        var limit = LimitOption();
        var cmd = new Command("list", "Issues, most severe first, then oldest (resolved ones only with --all or --status resolved).") { available, status, severity, mine, all, limit };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Issues.List(new IssueQuery
            {
                AvailableOnly = p.GetValue(available), Status = p.GetValue(status), Severity = p.GetValue(severity),
                AssignedTo = p.GetValue(mine) ? project.Caller.Agent : null, IncludeResolved = p.GetValue(all), Limit = p.GetValue(limit),
            });
            return Outcome.Of(list, IssuesText(list));
        }));
        return cmd;
    }

    private static Command Ready()
    {
        var severity = SeverityOption("Only this severity.");
        var limit = LimitOption();
        var cmd = new Command("ready", "Issues ready to claim: unclaimed and not blocked by an unresolved issue, most severe first, then oldest.") { severity, limit };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Issues.Ready(p.GetValue(severity), p.GetValue(limit));
            return Outcome.Of(list, list.Count == 0 ? "Nothing is ready to claim." : IssuesText(list));
        }));
        return cmd;
    }

    private static Argument<string> IssueId() => RuntimeCompletions.Issues(new Argument<string>("id") { Description = "The issue id, such as issue_007." });

    private static Command Show()
    {
        var id = IssueId();
        var cmd = new Command("show", "One issue in full, with its fixes (exit 4 if there is none by that id).") { id };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var issue = project.Issues.Get(p.GetValue(id)!);
            var fixes = project.Issues.Fixes(issue.Id);
            return Outcome.Of(issue, IssueText(issue, fixes));
        }));
        return cmd;
    }

    private static Command Claim()
    {
        var id = IssueId();
        var takeStale = new Option<bool>("--take-stale") { Description = "Also take over a claim whose holder has not been seen for issues.staleClaimAfter (default 2h); audited." };
        var cmd = new Command("claim", "Claim an issue: exactly one of any number of racing agents wins and gets a claim token (exit 3, naming the holder or the hold, when refused).") { id, takeStale };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var issue = project.Issues.Claim(p.GetValue(id)!, p.GetValue(takeStale));
            return Outcome.Of(issue, $"Claimed {issue.Id} (claim token {issue.ClaimToken}): {issue.Title}");
        }, writes: true));
        return cmd;
    }

    private static Command Release()
    {
        var id = IssueId();
        var force = new Option<bool>("--force") { Description = "Release another agent's claim (needs --reason; audited)." };
        var reason = new Option<string?>("--reason") { Description = "Why (required with --force)." };
        var token = new Option<long?>("--token") { Description = "Release only if the claim is still the one that got this claim token." };
        var cmd = new Command("release", "Give up your claim on an issue; it becomes ready again (exit 3 if someone else holds it and --force is not given).") { id, force, reason, token };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var issue = project.Issues.Release(p.GetValue(id)!, p.GetValue(force), p.GetValue(reason), p.GetValue(token));
            return Outcome.Of(issue, $"Released {issue.Id}; it is {issue.Status} again.");
        }, writes: true));
        return cmd;
    }

    private static Command Import()
    {
        var folder = new Argument<string>("folder") { Description = "The folder holding issues/<severity>/*.json and fixes/{proposed,applied}/*.json." };
        var cmd = new Command("import", "Import the seed coordination library's issue and fix files; files that do not parse are listed and skipped.") { folder };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Issues.Import(p.GetValue(folder)!);
            var text = new StringBuilder(r.ToString());
            foreach (var s in r.Skipped) text.AppendLine().Append("  skipped ").Append(s);
            return Outcome.Of(r, text.ToString());
        }, writes: true));
        return cmd;
    }

    private static Command Health()
    {
        var cmd = new Command("health", "The issues' part of 'fastband health' alone: statistics, stale claims, report freshness (exit 1 when unhealthy).");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var report = IssueHealthReport.Run(project.IssueHealth, project.Clock.GetUtcNow());
            string text = string.Join(Environment.NewLine, report.Findings.Select(f => $"{Mark(f.State)} {f.Subject}: {f.Summary}"));
            return Outcome.Of(report, $"{text}{Environment.NewLine}{report.State}", report.State == HealthState.Unhealthy ? ExitCodes.Failed : ExitCodes.Ok);
        }));
        return cmd;
    }

    private static string Mark(HealthState s) => s switch { HealthState.Healthy => "ok  ", HealthState.Warning => "WARN", _ => "FAIL" };

    // ------------------------------------------------------------------ fix

    private static Command Submit()
    {
        var issue = RuntimeCompletions.Issues(new Option<string>("--issue") { Description = "The issue the fix resolves (you must hold its claim).", Required = true });
        var title = new Option<string>("--title") { Description = "What the fix does, in a few words.", Required = true };
        var approach = new Option<string>("--approach") { Description = "How it works.", Required = true };
        var files = new Option<string[]>("--files") { Description = "The files changed (comma-separated).", Arity = ArgumentArity.OneOrMore };
        var lines = new Option<string?>("--lines") { Description = "The lines changed, such as 450-480." };
        var tested = new Option<bool>("--tested") { Description = "The fix was tested." };
        var notes = new Option<string?>("--test-notes") { Description = "How it was tested." };
        var id = new Option<string?>("--id") { Description = "The id to use (default: the next fix_NNN)." };
        var token = new Option<long?>("--token") { Description = "Your claim token: the fix is refused if your claim has changed hands since." };
        var cmd = new Command("submit", "Propose a fix for an issue you hold; another agent applies or rejects it (exit 4 for an unknown issue, 3 if you do not hold it).")
            { issue, title, approach, files, lines, tested, notes, id, token };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var fix = project.Issues.Submit(new NewFix
            {
                Id = p.GetValue(id), IssueId = p.GetValue(issue)!, Title = p.GetValue(title)!, Approach = p.GetValue(approach)!,
                Files = p.GetValue(files) ?? Array.Empty<string>(), Lines = p.GetValue(lines), Tested = p.GetValue(tested), TestNotes = p.GetValue(notes),
                ClaimToken = p.GetValue(token),
            });
            return Outcome.Of(fix, $"Proposed {fix.Id} for {fix.IssueId}: {fix.Title}");
        }, writes: true));
        return cmd;
    }

    private static Argument<string> FixId() => new("id") { Description = "The fix id, such as fix_011." };

    private static Command Apply()
    {
        var id = FixId();
        var cmd = new Command("apply", "Apply (approve) a proposed fix: you are added to its verifiers and its issue is resolved (exit 3 if it is not proposed).") { id };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var fix = project.Issues.Apply(p.GetValue(id)!);
            return Outcome.Of(fix, $"Applied {fix.Id}; {fix.IssueId} is resolved (verified by {string.Join(", ", fix.VerifiedBy)}).");
        }, writes: true));
        return cmd;
    }

    private static Command Reject()
    {
        var id = FixId();
        var reason = new Option<string>("--reason") { Description = "What the implementer should change.", Required = true };
        var cmd = new Command("reject", "Reject a proposed fix with a reason; its issue goes back to in progress (exit 3 if it is not proposed).") { id, reason };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var fix = project.Issues.Reject(p.GetValue(id)!, p.GetValue(reason)!);
            return Outcome.Of(fix, $"Rejected {fix.Id}; {fix.IssueId} is back in progress.");
        }, writes: true));
        return cmd;
    }

    private static Command FixList()
    {
        var issue = new Option<string?>("--issue") { Description = "Only the fixes for this issue." };
        var status = new Option<string?>("--status") { Description = "Only this status: " + string.Join(", ", FixStatus.All) + "." };
        var cmd = new Command("list", "Fixes, oldest proposal first.") { issue, status };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Issues.Fixes(p.GetValue(issue), p.GetValue(status));
            return Outcome.Of(list, list.Count == 0 ? "No fixes." : string.Join(Environment.NewLine, list.Select(FixLine)));
        }));
        return cmd;
    }

    // ------------------------------------------------------------------ audit, report

    public static Command Audit()
    {
        var since = new Option<string?>("--since") { Description = "Only entries since this point: a duration back (1h, 2d) or a timestamp." };
        var agent = new Option<string?>("--by") { Description = "Only entries by this agent." };
        var issue = new Option<string?>("--issue") { Description = "Only entries about this issue." };
        var limit = LimitOption();
        var export = new Option<string?>("--export") { Description = "Write the entries (since --since) to this file as JSON Lines in the seed library's shape." };
        var cmd = new Command("audit", "The audit trail of issues and fixes, oldest first; --export writes it as JSONL.") { since, agent, issue, limit, export };
        cmd.SetAction(p => Run.With(p, project =>
        {
            DateTimeOffset? from = p.GetValue(since) is { } s ? TimeSpec.ParsePointInTime(s, project.Clock.GetUtcNow(), "--since") : null;
            if (p.GetValue(export) is { } file)
            {
                var r = project.Issues.ExportAudit(file, from);
                return Outcome.Of(r, r.ToString());
            }
            var list = project.Issues.Audit(new AuditQuery { Since = from, Agent = p.GetValue(agent), IssueId = p.GetValue(issue), Limit = p.GetValue(limit) });
            return Outcome.Of(list, list.Count == 0 ? "No audit entries." : string.Join(Environment.NewLine, list.Select(a => a.ToString())));
        }));
        return cmd;
    }

    public static Command Report()
    {
        var output = new Option<string?>("--out") { Description = "The folder to write to (default: reports/ in the project, or issues.reportsDirectory)." };
        var cmd = new Command("report", "Write the markdown reports (open issues, fixes applied, agent activity) and generation_metadata.json; same data, same bytes.") { output };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Issues.WriteReports(p.GetValue(output));
            return Outcome.Of(r, r.ToString());
        }));
        return cmd;
    }

    // ------------------------------------------------------------------ text

    private static string IssuesText(IReadOnlyList<Issue> list) =>
        list.Count == 0 ? "No issues." : string.Join(Environment.NewLine, list.Select(i =>
            $"{i.Id,-12} {i.Severity,-8} {i.Status,-12} {(i.AssignedTo ?? (i.OpenBlockers > 0 ? $"blocked by {string.Join(",", i.BlockedBy)}" : "-")),-16} {i.Title}"));

    private static string IssueText(Issue i, IReadOnlyList<Fix> fixes)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{i.Id} [{i.Severity}] {i.Title}");
        sb.AppendLine($"  status:      {i.Status}{(i.AssignedTo is null ? "" : $", claimed by {i.AssignedTo} at {TimeSpec.Display(i.ClaimedAt!.Value)} UTC (token {i.ClaimToken})")}");
        sb.AppendLine($"  created:     {TimeSpec.Display(i.CreatedAt)} UTC by {i.CreatedBy}");
        if (i.ResolvedAt is { } r) sb.AppendLine($"  resolved:    {TimeSpec.Display(r)} UTC by {i.ResolvedBy} ({i.ResolvedByFix})");
        if (i.BlockedBy.Count > 0) sb.AppendLine($"  blocked by:  {string.Join(", ", i.BlockedBy)} ({i.OpenBlockers} unresolved)");
        if (i.Files.Count > 0) sb.AppendLine($"  files:       {string.Join(", ", i.Files)}");
        if (i.Description.Length > 0) sb.AppendLine($"  description: {i.Description}");
        sb.Append(fixes.Count == 0 ? "  fixes:       none" : "  fixes:" + string.Concat(fixes.Select(f => Environment.NewLine + "    " + FixLine(f))));
        return sb.ToString();
    }

    private static string FixLine(Fix f) =>
        $"{f.Id,-10} {f.IssueId,-12} {f.Status,-9} by {f.ProposedBy}{(f.VerifiedBy.Count > 0 ? $", verified by {string.Join(",", f.VerifiedBy)}" : "")}{(f.RejectReason is null ? "" : $" (rejected: {f.RejectReason})")}: {f.Title}";
}
