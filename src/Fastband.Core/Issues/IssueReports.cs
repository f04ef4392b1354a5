using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fastband.Core.Store;

namespace Fastband.Core.Issues;

/// <summary>What <c>fastband report</c> wrote.</summary>
public sealed class ReportResult
{
    public string Directory { get; init; } = "";

    /// <summary>The time of the newest audit entry: the reports describe the data up to it. Null for an empty store.</summary>
    public DateTimeOffset? DataAsOf { get; init; }

    /// <summary>The newest audit entry the reports include; the health check compares it with the store's.</summary>
    public long AuditId { get; init; }

    public IReadOnlyList<ReportFile> Files { get; init; } = Array.Empty<ReportFile>();

    public override string ToString() =>
        $"Reports in {Directory} (data up to audit entry #{AuditId}): {string.Join(", ", Files.Select(f => f.Name + (f.Changed ? "" : " (unchanged)")))}.";
}

public sealed class ReportFile
{
    public string Name { get; init; } = "";
    public string Sha256 { get; init; } = "";
    public long Bytes { get; init; }

    /// <summary>False when the file already held exactly these bytes and was left alone.</summary>
    public bool Changed { get; init; }
}

/// <summary>
/// Markdown reports under <c>reports/</c> and a generation metadata file, made only from the store's data:
/// every time in them comes from the data (the newest audit entry stands in for "generated at"), lists are in
/// a fixed order and numbers use the invariant culture, so the same data always gives the same bytes and a
/// re-run without changes rewrites nothing. Generating reports is not audited, because that would change the
/// data the reports describe.
/// </summary>
internal static class IssueReports
{
    public const string OpenIssues = "OPEN_ISSUES_REPORT.md";
    public const string FixesApplied = "FIXES_APPLIED_REPORT.md";
    public const string AgentActivity = "AGENT_ACTIVITY_REPORT.md";
    public const string Metadata = "generation_metadata.json";

    public static ReportResult Write(IIssueStore store, string directory)
    {
        var stats = store.Statistics();
        var issues = store.ListIssues(new IssueQuery { IncludeResolved = true });
        var fixes = store.ListFixes(new FixQuery());
        var audit = store.ListAudit(new AuditQuery());
        string asOf = stats.LastAuditAt is { } at ? $"{TimeSpec.Display(at)} UTC (audit entry #{stats.LastAuditId})" : "an empty store";
        var texts = new (string Name, string Text)[]
        {
            (OpenIssues, OpenIssuesReport(issues, asOf)),
            (FixesApplied, FixesReport(fixes, asOf)),
            (AgentActivity, ActivityReport(issues, audit, asOf)),
        };
        var files = texts.Select(t => WriteIfChanged(directory, t.Name, t.Text)).ToList();
        files.Add(WriteIfChanged(directory, Metadata, MetadataJson(stats, files)));
        return new ReportResult { Directory = directory, DataAsOf = stats.LastAuditAt, AuditId = stats.LastAuditId, Files = files };
    }

    /// <summary>The audit entry the reports in <paramref name="directory"/> include up to, or null when there are none (or they cannot be read).</summary>
    public static long? ReportedAuditId(string directory)
    {
        string path = Path.Combine(directory, Metadata);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.TryGetProperty("auditId", out var id) && id.TryGetInt64(out long v) ? v : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    private static ReportFile WriteIfChanged(string directory, string name, string text)
    {
        byte[] bytes = new UTF8Encoding(false).GetBytes(text);
        string path = Path.Combine(directory, name);
        bool same = File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
        if (!same) AtomicFile.Write(path, text);
        return new ReportFile { Name = name, Sha256 = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), Bytes = bytes.Length, Changed = !same };
    }

    private static string MetadataJson(IssueStatistics stats, IReadOnlyList<ReportFile> files)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("generator", "fastband report");
            if (stats.LastAuditAt is { } at) w.WriteString("dataAsOf", IssueService.SeedTime(at)); else w.WriteNull("dataAsOf");
            w.WriteNumber("auditId", stats.LastAuditId);
            w.WriteStartObject("issues");
            foreach (var s in IssueStatus.All) w.WriteNumber(s, stats.IssuesByStatus.GetValueOrDefault(s));
            w.WriteNumber("ready", stats.Available);
            w.WriteEndObject();
            w.WriteStartObject("fixes");
            foreach (var s in FixStatus.All) w.WriteNumber(s, stats.FixesByStatus.GetValueOrDefault(s));
            w.WriteEndObject();
            w.WriteStartArray("files");
            foreach (var f in files)
            {
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                w.WriteString("sha256", f.Sha256);
                w.WriteNumber("bytes", f.Bytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
    }

    private static string OpenIssuesReport(IReadOnlyList<Issue> all, string asOf)
    {
        var open = all.Where(i => i.Status != IssueStatus.Resolved).ToList();
        var sb = new StringBuilder();
        Header(sb, "Open issues", asOf);
        sb.Append("| severity | open | ready | blocked | in progress | fix proposed |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var sev in IssueSeverity.All.Append("total"))
        {
            var these = sev == "total" ? open : open.Where(i => i.Severity == sev).ToList();
            sb.Append(Inv($"| {(sev == "total" ? "**total**" : sev)} | {these.Count} | {these.Count(i => i.IsAvailable)} | {these.Count(i => i.Status == IssueStatus.New && i.OpenBlockers > 0)} | {these.Count(i => i.Status == IssueStatus.InProgress)} | {these.Count(i => i.Status == IssueStatus.FixProposed)} |\n"));
        }
        foreach (var sev in IssueSeverity.All)
        {
            var these = open.Where(i => i.Severity == sev).ToList();
            sb.Append(Inv($"\n## {char.ToUpperInvariant(sev[0])}{sev[1..]} ({these.Count})\n\n"));
            if (these.Count == 0) { sb.Append("None.\n"); continue; }
            sb.Append("| id | title | status | claimed by | since | blocked by | files |\n| --- | --- | --- | --- | --- | --- | --- |\n");
            foreach (var i in these)
                sb.Append($"| {Cell(i.Id)} | {Cell(i.Title)} | {i.Status} | {Cell(i.AssignedTo)} | {When(i.ClaimedAt ?? i.CreatedAt)} | {Cell(string.Join(", ", i.BlockedBy))} | {Cell(string.Join(", ", i.Files))} |\n");
        }
        return sb.ToString();
    }

    private static string FixesReport(IReadOnlyList<Fix> fixes, string asOf)
    {
        var applied = fixes.Where(f => f.Status == FixStatus.Applied).OrderBy(f => f.AppliedAt).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
        var proposed = fixes.Where(f => f.Status == FixStatus.Proposed).ToList();
        var rejected = fixes.Where(f => f.Status == FixStatus.Rejected).OrderBy(f => f.RejectedAt).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        Header(sb, "Fixes applied", asOf);
        sb.Append(Inv($"{applied.Count} applied, {proposed.Count} awaiting review, {rejected.Count} rejected.\n\n## Applied ({applied.Count})\n\n"));
        if (applied.Count == 0) sb.Append("None.\n");
        else
        {
            sb.Append("| fix | issue | title | implementer | verified by | applied | tested | files | lines |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            foreach (var f in applied)
                sb.Append($"| {Cell(f.Id)} | {Cell(f.IssueId)} | {Cell(f.Title)} | {Cell(f.ProposedBy)} | {Cell(string.Join(", ", f.VerifiedBy))} | {When(f.AppliedAt)} | {Tested(f)} | {Cell(string.Join(", ", f.Files))} | {Cell(f.Lines)} |\n");
        }
        sb.Append(Inv($"\n## Awaiting review ({proposed.Count})\n\n"));
        if (proposed.Count == 0) sb.Append("None.\n");
        else
        {
            sb.Append("| fix | issue | title | implementer | proposed | tested |\n| --- | --- | --- | --- | --- | --- |\n");
            foreach (var f in proposed)
                sb.Append($"| {Cell(f.Id)} | {Cell(f.IssueId)} | {Cell(f.Title)} | {Cell(f.ProposedBy)} | {When(f.ProposedAt)} | {Tested(f)} |\n");
        }
        sb.Append(Inv($"\n## Rejected ({rejected.Count})\n\n"));
        if (rejected.Count == 0) sb.Append("None.\n");
        else
        {
            sb.Append("| fix | issue | title | implementer | rejected by | when | reason |\n| --- | --- | --- | --- | --- | --- | --- |\n");
            foreach (var f in rejected)
                sb.Append($"| {Cell(f.Id)} | {Cell(f.IssueId)} | {Cell(f.Title)} | {Cell(f.ProposedBy)} | {Cell(f.RejectedBy)} | {When(f.RejectedAt)} | {Cell(f.RejectReason)} |\n");
        }
        return sb.ToString();
    }

    private static string ActivityReport(IReadOnlyList<Issue> issues, IReadOnlyList<AuditEntry> audit, string asOf)
    {
        var sb = new StringBuilder();
        Header(sb, "Agent activity", asOf);
        var agents = audit.GroupBy(a => a.Agent, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        sb.Append(Inv($"## Actions by agent ({agents.Count})\n\n"));
        if (agents.Count == 0) sb.Append("None.\n");
        else
        {
            sb.Append("| agent | actions | refused | issues created | claims | releases | fixes proposed | fixes applied | fixes rejected | last action |\n");
            sb.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
            foreach (var g in agents)
            {
                int Ok(string action) => g.Count(a => a.Success && a.Action == action);
                sb.Append(Inv($"| {Cell(g.Key)} | {g.Count()} | {g.Count(a => !a.Success)} | {Ok(AuditAction.CreateIssue)} | {Ok(AuditAction.ClaimIssue)} | {Ok(AuditAction.ReleaseIssue)} | {Ok(AuditAction.ProposeFix)} | {Ok(AuditAction.ApplyFix)} | {Ok(AuditAction.RejectFix)} | {When(g.Max(a => a.Timestamp))} |\n"));
            }
        }
        var claims = issues.Where(i => i.AssignedTo is not null && i.Status != IssueStatus.Resolved)
            .OrderBy(i => i.AssignedTo, StringComparer.OrdinalIgnoreCase).ThenBy(i => i.Id, StringComparer.OrdinalIgnoreCase).ToList();
        sb.Append(Inv($"\n## Current claims ({claims.Count})\n\n"));
        if (claims.Count == 0) sb.Append("None.\n");
        else
        {
            sb.Append("| agent | issue | severity | status | claimed | claim token |\n| --- | --- | --- | --- | --- | ---: |\n");
            foreach (var i in claims)
                sb.Append(Inv($"| {Cell(i.AssignedTo)} | {Cell(i.Id)} | {i.Severity} | {i.Status} | {When(i.ClaimedAt)} | {i.ClaimToken} |\n"));
        }
        return sb.ToString();
    }

    private static void Header(StringBuilder sb, string title, string asOf) =>
        sb.Append($"# {title}\n\nData as of {asOf}. Made by `fastband report` from the store alone: the same data gives the same bytes.\n\n");

    private static string Tested(Fix f) => f.Tested ? "yes" + (f.TestNotes is null ? "" : $": {Cell(f.TestNotes)}") : "no";

    private static string When(DateTimeOffset? t) => t is { } v ? TimeSpec.Display(v) : "";

    /// <summary>Text safe inside a markdown table cell: one line, pipes escaped.</summary>
    private static string Cell(string? s) => (s ?? "").ReplaceLineEndings(" ").Replace("|", "\\|").Trim();

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
