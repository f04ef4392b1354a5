using System.Globalization;
using System.Text.Json;
using Fastband.Core.Store;

namespace Fastband.Core.Issues;

/// <summary>What an import did: what it added, what was there already, and the files it skipped and why.</summary>
public sealed class IssueImportResult
{
    public string Source { get; init; } = "";
    public IReadOnlyList<string> IssuesAdded { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> FixesAdded { get; init; } = Array.Empty<string>();

    /// <summary>Ids that exist in the store already: left as they are, so importing twice is harmless.</summary>
    public IReadOnlyList<string> AlreadyPresent { get; init; } = Array.Empty<string>();

    /// <summary>Files that were not imported, each with the reason.</summary>
    public IReadOnlyList<ImportProblem> Skipped { get; init; } = Array.Empty<ImportProblem>();

    public override string ToString() =>
        $"Imported {IssuesAdded.Count} issues and {FixesAdded.Count} fixes from {Source}; {AlreadyPresent.Count} already present; {Skipped.Count} files skipped.";
}

/// <summary>A file an import skipped, relative to the folder imported.</summary>
public sealed record ImportProblem(string File, string Reason)
{
    public override string ToString() => $"{File}: {Reason}";
}

/// <summary>
/// Reads the seed coordination library's folders: <c>issues/&lt;severity&gt;/*.json</c> and
/// <c>fixes/{proposed,applied}/*.json</c> (index.json and templates are not records). The severity comes from
/// the folder and a fix's status from its folder. Fields are read by the names the library used, with the
/// usual variants: see README "Issues and fixes". A file that does not parse, lacks a title, names an issue
/// or blocker that exists neither in the store nor in the import, is listed and skipped; the rest is written
/// in one transaction.
/// </summary>
internal sealed class IssueImporter
{
    private readonly IIssueStore _issues;
    private readonly IssueActor _actor;
    private readonly DateTimeOffset _now;
    private readonly List<ImportProblem> _problems = new();
    private string _root = "";

    public IssueImporter(IIssueStore issues, IssueActor actor, DateTimeOffset now)
    {
        _issues = issues;
        _actor = actor;
        _now = now;
    }

    public IssueImportResult Import(string folder)
    {
        _root = folder;
        if (!Directory.Exists(Path.Combine(folder, "issues")) && !Directory.Exists(Path.Combine(folder, "fixes")))
            throw new InvalidInputException("NotASeedLayout",
                $"'{folder}' has neither an issues/ nor a fixes/ folder: point at the folder that holds issues/<severity>/*.json and fixes/{{proposed,applied}}/*.json.");

        var issues = new List<Issue>();
        foreach (string severity in IssueSeverity.All)
            foreach (string file in Files(Path.Combine(folder, "issues", severity)))
                if (Read(file) is { } doc) using (doc) if (ToIssue(doc.RootElement, file, severity) is { } issue) issues.Add(issue);
        foreach (string dir in SafeDirectories(Path.Combine(folder, "issues")).Where(d => !IssueSeverity.All.Contains(Path.GetFileName(d))))
            foreach (string file in Files(dir))
                Skip(file, $"'{Path.GetFileName(dir)}' is not a severity folder (use {string.Join(", ", IssueSeverity.All)})");

        var fixes = new List<Fix>();
        foreach (string status in new[] { FixStatus.Proposed, FixStatus.Applied })
            foreach (string file in Files(Path.Combine(folder, "fixes", status)))
                if (Read(file) is { } doc) using (doc) if (ToFix(doc.RootElement, file, status) is { } fix) fixes.Add(fix);

        // Duplicate ids inside the import: the first (in path order) wins.
        issues = Distinct(issues, i => i.Id, i => FileOf[i]);
        fixes = Distinct(fixes, f => f.Id, f => FileOf[f]);

        // Blockers and the issues fixes resolve must exist here or in the store; dropping one issue can orphan others.
        var inStore = _issues.ExistingIssueIds(issues.SelectMany(i => i.BlockedBy.Append(i.Id)).Concat(fixes.Select(f => f.IssueId)));
        bool changed = true;
        while (changed)
        {
            changed = false;
            var known = new HashSet<string>(issues.Select(i => i.Id).Concat(inStore), StringComparer.OrdinalIgnoreCase);
            foreach (var i in issues.ToArray())
            {
                string? missing = i.BlockedBy.FirstOrDefault(b => !known.Contains(b));
                if (missing is null) continue;
                Skip(FileOf[i], $"blocked by '{missing}', which is neither in the store nor in the import");
                issues.Remove(i);
                changed = true;
            }
        }
        var issueIds = new HashSet<string>(issues.Select(i => i.Id).Concat(inStore), StringComparer.OrdinalIgnoreCase);
        foreach (var f in fixes.ToArray())
        {
            if (issueIds.Contains(f.IssueId)) continue;
            Skip(FileOf[f], $"resolves '{f.IssueId}', which is neither in the store nor in the import");
            fixes.Remove(f);
        }

        string summary = $"Imported from {folder}: {issues.Count} issues and {fixes.Count} fixes read, {_problems.Count} files skipped";
        var written = _issues.Import(issues, fixes, _actor, summary, _now);
        return new IssueImportResult
        {
            Source = folder, IssuesAdded = written.IssuesAdded, FixesAdded = written.FixesAdded, AlreadyPresent = written.AlreadyPresent,
            Skipped = _problems.OrderBy(p => p.File, StringComparer.Ordinal).ToArray(),
        };
    }

    private readonly Dictionary<object, string> FileOf = new(ReferenceEqualityComparer.Instance);

    private List<T> Distinct<T>(List<T> items, Func<T, string> id, Func<T, string> file) where T : notnull
    {
        var seen = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        var result = new List<T>();
        foreach (var item in items)
        {
            if (seen.TryGetValue(id(item), out var first)) { Skip(file(item), $"repeats the id '{id(item)}' of {Relative(file(first))}"); continue; }
            seen[id(item)] = item;
            result.Add(item);
        }
        return result;
    }

    private IEnumerable<string> Files(string dir) =>
        Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.json").Where(f => Path.GetFileName(f) != "index.json").OrderBy(f => f, StringComparer.Ordinal)
            : Enumerable.Empty<string>();

    private static IEnumerable<string> SafeDirectories(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateDirectories(dir).OrderBy(d => d, StringComparer.Ordinal) : Enumerable.Empty<string>();

    private JsonDocument? Read(string file)
    {
        try
        {
            var doc = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
            Skip(file, "holds JSON that is not an object");
        }
        catch (JsonException e)
        {
            Skip(file, $"is not valid JSON ({e.Message.Split('.')[0]})");
        }
        catch (IOException e)
        {
            Skip(file, $"could not be read ({e.Message})");
        }
        return null;
    }

    private Issue? ToIssue(JsonElement e, string file, string severity)
    {
        string? id = Str(e, "issue_id", "id") ?? IdFromFileName(file, "issue");
        string? title = Str(e, "title", "summary", "name");
        if (!Valid(file, id, title, "issue")) return null;
        var created = Time(e, "created_at", "reported_at", "timestamp", "discovered_at") ?? _now;
        string status = IssueStatusOf(Str(e, "status"));
        string? assigned = Str(e, "assigned_to", "claimed_by");
        if (assigned is not null && !IsAgentName(assigned)) assigned = null;
        if (status is IssueStatus.InProgress or IssueStatus.FixProposed && assigned is null) status = IssueStatus.New;
        if (status == IssueStatus.New) assigned = null;
        var issue = new Issue
        {
            Id = id!, Severity = severity, Title = Clip(title!, IssueService.MaxTitleLength),
            Description = Clip(Str(e, "description", "details", "error_message") ?? "", IssueService.MaxTextLength),
            Files = StrList(e, "files", "affected_files", "file"),
            BlockedBy = StrList(e, "blocked_by", "blockers", "depends_on", "dependencies").Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            Status = status, CreatedBy = Str(e, "reported_by", "created_by", "discovered_by") ?? _actor.Agent,
            CreatedAt = created, UpdatedAt = Time(e, "updated_at") ?? created,
            AssignedTo = assigned, ClaimedAt = assigned is null ? null : Time(e, "claimed_at", "assigned_at") ?? created,
            ResolvedBy = status == IssueStatus.Resolved ? Str(e, "resolved_by") ?? "unknown" : null,
            ResolvedAt = status == IssueStatus.Resolved ? Time(e, "resolved_at") ?? created : null,
            ResolvedByFix = status == IssueStatus.Resolved ? Str(e, "resolved_by_fix", "fix_id") : null,
        };
        FileOf[issue] = file;
        return issue;
    }

    private Fix? ToFix(JsonElement e, string file, string status)
    {
        string? id = Str(e, "fix_id", "id") ?? IdFromFileName(file, "fix");
        string? title = Str(e, "title", "summary", "name");
        if (!Valid(file, id, title, "fix")) return null;
        string? issueId = Str(e, "resolves", "issue_id", "issue");
        if (issueId is null && e.TryGetProperty("resolves", out var r) && r.ValueKind == JsonValueKind.Array)
            issueId = r.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null).FirstOrDefault(x => x is not null);
        if (issueId is null) { Skip(file, "names no issue it resolves (resolves or issue_id)"); return null; }
        var meta = Obj(e, "metadata");
        var impl = Obj(e, "implementation");
        var tests = Obj(e, "test_results");
        var proposed = Time(meta, "timestamp", "proposed_at", "created_at") ?? Time(e, "proposed_at", "created_at", "timestamp") ?? _now;
        bool tested = Bool(tests, "tested") ?? (tests is { } t && t.TryGetProperty("nodes_tested", out var nodes) && nodes.ValueKind == JsonValueKind.Array && nodes.GetArrayLength() > 0) ;
        string? notes = Str(tests, "notes", "test_notes")
                        ?? (tests is { } t2 && t2.TryGetProperty("nodes_tested", out var n2) && n2.ValueKind == JsonValueKind.Array
                            ? $"{n2.GetArrayLength()} nodes tested" + (Str(tests, "success_rate") is { } rate ? $", success rate {rate}" : "")
                            : null);
        var verified = StrList(e, "verified_by");
        var fix = new Fix
        {
            Id = id!, IssueId = issueId, Title = Clip(title!, IssueService.MaxTitleLength),
            Approach = Clip(Str(impl, "approach", "description") ?? Str(e, "approach", "description") ?? "", IssueService.MaxTextLength),
            Files = impl is not null ? StrList(impl.Value, "files", "files_modified") : StrList(e, "files", "files_modified"),
            Lines = Str(impl, "lines", "lines_changed") ?? Str(e, "lines"),
            Tested = tested, TestNotes = notes, Status = status,
            ProposedBy = Str(meta, "implementer", "proposed_by") ?? Str(e, "implementer", "proposed_by", "created_by") ?? _actor.Agent,
            ProposedAt = proposed, VerifiedBy = verified,
            AppliedBy = status == FixStatus.Applied ? Str(e, "applied_by") ?? verified.LastOrDefault() ?? "unknown" : null,
            AppliedAt = status == FixStatus.Applied ? Time(e, "applied_at") ?? Time(meta, "applied_at") ?? proposed : null,
        };
        FileOf[fix] = file;
        return fix;
    }

    private bool Valid(string file, string? id, string? title, string what)
    {
        if (id is null) { Skip(file, $"has no {what} id (neither in the file nor in its name)"); return false; }
        try { IssueService.ValidateId(id, what); }
        catch (InvalidInputException) { Skip(file, $"has an unusable id '{id}'"); return false; }
        if (title is null) { Skip(file, "has no title"); return false; }
        return true;
    }

    private void Skip(string file, string reason) => _problems.Add(new ImportProblem(Relative(file), reason));

    private string Relative(string file) => Path.GetRelativePath(_root, file).Replace('\\', '/');

    private static string IssueStatusOf(string? status) => (status ?? "").Trim().ToLowerInvariant().Replace('-', '_') switch
    {
        "in_progress" or "claimed" or "assigned" => IssueStatus.InProgress,
        "fix_proposed" or "proposed" or "in_review" => IssueStatus.FixProposed,
        "resolved" or "fixed" or "closed" or "done" => IssueStatus.Resolved,
        _ => IssueStatus.New,
    };

    /// <summary>issue_007 from issue_007_test_new_issue.json.</summary>
    private static string? IdFromFileName(string file, string prefix)
    {
        var m = System.Text.RegularExpressions.Regex.Match(Path.GetFileNameWithoutExtension(file), $"^({prefix}_\\d+)");
        return m.Success ? m.Groups[1].Value : null;
    }

    private static bool IsAgentName(string name)
    {
        try { AgentName.Validate(name); return true; }
        catch (InvalidInputException) { return false; }
    }

    private static string Clip(string s, int max) => s.Length <= max ? s.Trim() : s[..max].Trim();

    private static JsonElement? Obj(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    private static string? Str(JsonElement? e, params string[] names)
    {
        if (e is not { } obj) return null;
        foreach (string n in names)
            if (obj.TryGetProperty(n, out var v))
            {
                if (v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())) return v.GetString()!.Trim();
                if (v.ValueKind == JsonValueKind.Number) return v.GetRawText();
            }
        return null;
    }

    private static bool? Bool(JsonElement? e, string name) =>
        e is { } obj && obj.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static IReadOnlyList<string> StrList(JsonElement e, params string[] names)
    {
        foreach (string n in names)
        {
            if (!e.TryGetProperty(n, out var v)) continue;
            if (v.ValueKind == JsonValueKind.Array)
                return v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!.Trim()).Where(x => x.Length > 0).ToArray();
            if (v.ValueKind == JsonValueKind.String)
                return IssueService.SplitList(new[] { v.GetString()! });
        }
        return Array.Empty<string>();
    }

    private static DateTimeOffset? Time(JsonElement? e, params string[] names)
    {
        string? s = Str(e, names);
        return s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : null;
    }
}
