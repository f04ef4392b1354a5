using System.Text;
using System.Text.Json;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;

namespace Fastband.Core.Issues;

/// <summary>
/// The issue and fix workflow: create issues, list what is ready, claim atomically (exactly one winner, a
/// claim token, refused while a hold covers the caller), release, propose fixes, apply or reject them, and
/// read or export the audit trail. Every change and every refusal because of the state is audited.
/// </summary>
public sealed class IssueService
{
    public const int MaxIdLength = 64;
    public const int MaxTitleLength = 200;
    public const int MaxTextLength = 8000;

    private readonly IIssueStore _issues;
    private readonly CallerIdentity _caller;
    private readonly DirectiveBoard _directives;
    private readonly TimeProvider _clock;

    internal IssueService(IIssueStore issues, CallerIdentity caller, DirectiveBoard directives, IssueSettings settings, string projectRoot, TimeProvider clock)
    {
        _issues = issues;
        _caller = caller;
        _directives = directives;
        Settings = settings;
        ProjectRoot = projectRoot;
        _clock = clock;
    }

    public IssueSettings Settings { get; }
    public string ProjectRoot { get; }

    private IssueActor Actor => new(_caller.Agent, _caller.Host, _caller.ProcessId, _caller.ProcessStartedAt);

    // ------------------------------------------------------------------ issues

    /// <summary>Creates an issue. An invalid severity, an unknown blocker or a taken id is refused and nothing is written.</summary>
    public Issue Create(string title, string? severity = null, string? description = null, IEnumerable<string>? files = null,
        IEnumerable<string>? blockedBy = null, string? id = null)
    {
        var issue = new NewIssue
        {
            Id = id is null ? null : ValidateId(id, "issue"),
            Severity = IssueSeverity.Normalize(severity),
            Title = ValidateTitle(title),
            Description = ValidateText(description, "description"),
            Files = SplitList(files),
            BlockedBy = SplitList(blockedBy).Select(b => ValidateId(b, "blocker")).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
        };
        if (issue.Id is { } own && issue.BlockedBy.Contains(own, StringComparer.OrdinalIgnoreCase))
            throw new InvalidInputException("InvalidBlocker", $"{own} cannot block itself: name other issues with --blocked-by.");
        return _issues.CreateIssue(issue, Actor, _clock.GetUtcNow());
    }

    public Issue Get(string id) => _issues.GetIssue(ValidateId(id, "issue")) ?? throw IssueMessages.IssueNotFound(id);

    /// <summary>Issues matching the query, most severe first, then oldest.</summary>
    public IReadOnlyList<Issue> List(IssueQuery query)
    {
        if (query.Limit < 0) throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.");
        return _issues.ListIssues(query with
        {
            Status = query.Status is null ? null : IssueStatus.Normalize(query.Status),
            Severity = query.Severity is null ? null : IssueSeverity.Normalize(query.Severity),
        });
    }

    /// <summary>What is ready to claim: unclaimed and not blocked by an unresolved issue (<c>bd ready</c>).</summary>
    public IReadOnlyList<Issue> Ready(string? severity = null, int limit = 0) =>
        List(new IssueQuery { AvailableOnly = true, Severity = severity, Limit = limit });

    /// <summary>The caller's claims.</summary>
    public IReadOnlyList<Issue> Mine() => List(new IssueQuery { AssignedTo = _caller.Agent });

    /// <summary>
    /// Claims an issue for the caller: exactly one of any number of racing agents wins, and gets a claim token.
    /// Refused (exit 3) while a hold covers the caller, and when the issue is not available (naming its holder
    /// or its blockers). Claiming an issue the caller already holds returns it unchanged. With
    /// <paramref name="takeStale"/>, a claim whose holder has not been seen for <see cref="IssueSettings.StaleClaimAfter"/>
    /// is taken over (audited, with a new token, so the old holder's token stops working).
    /// </summary>
    public Issue Claim(string issueId, bool takeStale = false)
    {
        var issue = Get(issueId);
        // The claim's transaction re-checks that no hold, lift or clearance landed after the holds were read here;
        // if one did, nothing was claimed and the holds are read again.
        for (int attempt = 1; ; attempt++)
        {
            var (holds, mark) = _directives.BlockingHoldsFenced(_caller.Agent, OpsLogService.NormalizeTicket(issue.Id));
            if (holds.Count > 0)
            {
                var hold = holds[^1];
                string why = $"{_caller.Agent} may not claim {issue.Id}: hold {hold.Id} by {hold.IssuedBy} is in force ({hold.Reason}); wait for the lift or ask for clearance on {issue.Id}.";
                _issues.Audit(Actor, AuditAction.ClaimIssue, false, why, issue.Id, null, _clock.GetUtcNow());
                throw new BlockedException("HoldInForce", why);
            }
            AfterHoldCheck?.Invoke();
            var now = _clock.GetUtcNow();
            var change = _issues.Claim(issue.Id, Actor, now, takeStale ? now - Settings.StaleClaimAfter : null, FenceHolds ? mark : null);
            if (change.Outcome != IssueChangeOutcome.DirectivesMoved) return Outcome(change, "IssueUnavailable").Issue!;
            if (attempt == MaxDirectiveMoves)
                throw new BlockedException("CoordinationBusy", $"Holds and clearances changed during each of {MaxDirectiveMoves} attempts to claim {issue.Id}, so it was not claimed: try again.");
        }
    }

    private const int MaxDirectiveMoves = 20;

    /// <summary>Whether a claim re-checks the holds inside its transaction (off only in the test that shows what that prevents).</summary>
    internal bool FenceHolds { get; set; } = true;

    /// <summary>Runs between reading the holds and the claim's transaction (tests post a hold there).</summary>
    internal Action? AfterHoldCheck { get; set; }

    /// <summary>
    /// Gives up the caller's claim; with <paramref name="force"/> (and a reason) anyone's, audited. With
    /// <paramref name="claimToken"/>, only if the claim is still the one that got that token.
    /// </summary>
    public Issue Release(string issueId, bool force = false, string? reason = null, long? claimToken = null)
    {
        string id = ValidateId(issueId, "issue");
        string? why = string.IsNullOrWhiteSpace(reason) ? null : ValidateText(reason, "reason");
        if (force && why is null)
            throw new InvalidInputException("ReasonRequired", "Releasing another agent's claim needs a reason: pass --reason (or -Reason).");
        return Outcome(_issues.Release(id, Actor, force, why, claimToken, _clock.GetUtcNow()), "ReleaseRefused").Issue!;
    }

    // ------------------------------------------------------------------ fixes

    /// <summary>Proposes a fix for an issue the caller holds ("presented for approval").</summary>
    public Fix Submit(NewFix fix)
    {
        if (string.IsNullOrWhiteSpace(fix.IssueId))
            throw new InvalidInputException("NoIssue", "Name the issue the fix resolves with --issue (or -IssueId).");
        var valid = fix with
        {
            Id = fix.Id is null ? null : ValidateId(fix.Id, "fix"),
            IssueId = ValidateId(fix.IssueId, "issue"),
            Title = ValidateTitle(fix.Title),
            Approach = RequireText(fix.Approach, "approach", "--approach (or -Approach): how the fix works"),
            Files = SplitList(fix.Files),
            Lines = string.IsNullOrWhiteSpace(fix.Lines) ? null : ValidateText(fix.Lines, "lines"),
            TestNotes = string.IsNullOrWhiteSpace(fix.TestNotes) ? null : ValidateText(fix.TestNotes, "test notes"),
        };
        return Outcome(_issues.SubmitFix(valid, Actor, _clock.GetUtcNow()), "SubmitRefused").Fix!;
    }

    /// <summary>Applies (approves) a proposed fix: the caller is added to its verifiers and its issue is resolved.</summary>
    public Fix Apply(string fixId) =>
        Outcome(_issues.ApplyFix(ValidateId(fixId, "fix"), Actor, _clock.GetUtcNow()), "FixNotProposed").Fix!;

    /// <summary>Rejects a proposed fix with a reason; its issue goes back to in progress.</summary>
    public Fix Reject(string fixId, string reason)
    {
        string id = ValidateId(fixId, "fix");
        string why = RequireText(reason, "reason", "--reason (or -Reason): what the implementer should change");
        return Outcome(_issues.RejectFix(id, Actor, why, _clock.GetUtcNow()), "FixNotProposed").Fix!;
    }

    public Fix GetFix(string fixId) => _issues.GetFix(ValidateId(fixId, "fix")) ?? throw IssueMessages.FixNotFound(fixId);

    public IReadOnlyList<Fix> Fixes(string? issueId = null, string? status = null) =>
        _issues.ListFixes(new FixQuery
        {
            IssueId = issueId is null ? null : ValidateId(issueId, "issue"),
            Status = status is null ? null : FixStatus.Normalize(status),
        });

    private static IssueChange Outcome(IssueChange change, string refusedId) =>
        change.Outcome == IssueChangeOutcome.Refused ? throw new BlockedException(refusedId, change.Message) : change;

    // ------------------------------------------------------------------ audit

    /// <summary>The audit trail, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Audit(AuditQuery query) => _issues.ListAudit(query);

    /// <summary>
    /// Writes the audit trail (since <paramref name="since"/>) as JSON Lines in the seed library's shape, one
    /// object per line: timestamp, agent, action, success, message, then issue_id and fix_id when set.
    /// The file is written to a temporary name and renamed, so a reader never sees half of it.
    /// </summary>
    public AuditExport ExportAudit(string path, DateTimeOffset? since = null)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidInputException("NoPath", "Name the file to export to with --export (or -Path).");
        string full = Path.GetFullPath(path, ProjectRoot);
        if (Directory.Exists(full)) throw new InvalidInputException("PathIsFolder", $"'{full}' is a folder: name a file such as audit_log.jsonl.");
        var entries = Audit(new AuditQuery { Since = since });
        var sb = new StringBuilder();
        foreach (var e in entries) sb.Append(ToSeedJson(e)).Append('\n');
        AtomicFile.Write(full, sb.ToString());
        return new AuditExport
        {
            Path = full, Entries = entries.Count, Since = since,
            FirstId = entries.Count > 0 ? entries[0].Id : null, LastId = entries.Count > 0 ? entries[^1].Id : null,
        };
    }

    /// <summary>One audit line as the seed's coordination library writes it.</summary>
    public static string ToSeedJson(AuditEntry e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("timestamp", SeedTime(e.Timestamp));
            w.WriteString("agent", e.Agent);
            w.WriteString("action", e.Action);
            w.WriteBoolean("success", e.Success);
            w.WriteString("message", e.Message);
            if (e.FixId is not null) w.WriteString("fix_id", e.FixId);
            if (e.IssueId is not null) w.WriteString("issue_id", e.IssueId);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>ISO 8601 in UTC with a Z, fractions of a second only when there are any: 2025-11-06T15:30:00Z.</summary>
    public static string SeedTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ import, reports

    /// <summary>
    /// Imports the seed library's folders (issues/&lt;severity&gt;/*.json, fixes/{proposed,applied}/*.json) under
    /// <paramref name="folder"/>. Files that do not parse or do not make sense are listed and skipped; ids already
    /// in the store are left alone, so importing twice is harmless.
    /// </summary>
    public IssueImportResult Import(string folder)
    {
        if (string.IsNullOrWhiteSpace(folder)) throw new InvalidInputException("NoPath", "Name the folder to import from: the one holding issues/ and fixes/.");
        string full = Path.GetFullPath(folder, ProjectRoot);
        if (!Directory.Exists(full)) throw new NotFoundException("FolderNotFound", $"There is no folder '{full}': name the folder holding issues/ and fixes/.");
        return new IssueImporter(_issues, Actor, _clock.GetUtcNow()).Import(full);
    }

    /// <summary>Where reports go: <paramref name="directory"/>, else the configured folder (default reports/), relative to the project root.</summary>
    public string ReportsDirectory(string? directory = null) => Path.GetFullPath(directory ?? Settings.ReportsDirectory, ProjectRoot);

    /// <summary>Writes the markdown reports and generation_metadata.json; the same data always gives the same bytes.</summary>
    public ReportResult WriteReports(string? directory = null) => IssueReports.Write(_issues, ReportsDirectory(directory));

    // ------------------------------------------------------------------ validation

    internal static string ValidateId(string? id, string what)
    {
        string s = (id ?? "").Trim();
        if (s.Length == 0 || s.Length > MaxIdLength || !s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            throw new InvalidInputException("InvalidId", $"'{id}' is not a valid {what} id: use 1 to {MaxIdLength} letters, digits, '_', '-' or '.', such as {what}_007.");
        return s;
    }

    internal static string ValidateTitle(string? title)
    {
        if (string.IsNullOrWhiteSpace(title)) throw new InvalidInputException("NoTitle", "Give a title: a few words that say what is wrong or what changes.");
        string t = title.Trim();
        if (t.Length > MaxTitleLength || t.Any(char.IsControl))
            throw new InvalidInputException("InvalidTitle", $"The title is too long or holds control characters: keep it to one line of up to {MaxTitleLength} characters and put detail in the description.");
        return t;
    }

    internal static string ValidateText(string? text, string what)
    {
        string t = (text ?? "").Trim();
        if (t.Length > MaxTextLength)
            throw new InvalidInputException("TextTooLong", $"The {what} is {t.Length} characters long: keep it under {MaxTextLength} and point to a file for detail.");
        return t;
    }

    private static string RequireText(string? text, string what, string how)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new InvalidInputException("NoText", $"The {what} is empty: give it with {how}.");
        return ValidateText(text, what);
    }

    internal static IReadOnlyList<string> SplitList(IEnumerable<string>? values) =>
        (values ?? Array.Empty<string>())
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToArray();
}

/// <summary>What an audit export wrote.</summary>
public sealed class AuditExport
{
    public string Path { get; init; } = "";
    public int Entries { get; init; }
    public DateTimeOffset? Since { get; init; }
    public long? FirstId { get; init; }
    public long? LastId { get; init; }

    public override string ToString() => $"Exported {Entries} audit entries to {Path}.";
}

/// <summary>Writes a file whole or not at all: a temporary file beside it, flushed, then renamed over it.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        string temp = path + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content);
                f.Write(bytes);
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
