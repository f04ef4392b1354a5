using Fastband.Core.Issues;

namespace Fastband.Core.Store;

/// <summary>
/// Issues, fixes and the audit trail (see <see cref="IIssueStore"/>); the reads are <see cref="IssueReads"/>'. Every
/// change is one write transaction (the store's writer lock: BEGIN IMMEDIATE on SQLite, the advisory lock on
/// PostgreSQL) that checks the state it depends on, changes it, records the caller's presence and appends the audit
/// line, and a claim is one conditional UPDATE ... RETURNING, so two claimers never both win.
/// </summary>
internal sealed class IssueStore : IssueReads, IIssueStore
{
    public IssueStore(RelationalStore db) : base(db) { }

    public Issue CreateIssue(NewIssue issue, IssueActor actor, DateTimeOffset now) => Db.InWriteTransaction(() =>
    {
        string id = issue.Id ?? NextId("issue", "issues");
        if (issue.Id is not null && IssueRow(id) is { } existing)
            throw new BlockedException("IssueExists", $"An issue with id '{existing.Id}' already exists ({existing.Title}): choose another id or leave it out to have one generated.");
        var blockers = issue.BlockedBy.Select(b => IssueRow(b) ?? throw UnknownBlocker(b)).ToArray();
        int open = blockers.Count(b => b.Status != IssueStatus.Resolved);
        Db.Execute(
            "INSERT INTO issues (id, severity, title, description, files, blocked_by, open_blockers, status, created_by, created_us, updated_us) " +
            "VALUES (@id, @sev, @title, @desc, @files, @blockers, @open, 'new', @by, @now, @now);",
            ("id", id), ("sev", IssueSeverity.Rank(issue.Severity)), ("title", issue.Title), ("desc", issue.Description),
            ("files", StoreRows.Json(issue.Files)), ("blockers", StoreRows.Json(blockers.Select(b => b.Id).ToArray())), ("open", open),
            ("by", actor.Agent), ("now", StoreRows.ToMicros(now)));
        foreach (var b in blockers) InsertBlocker(id, b.Id);
        Touch(actor, now);
        InsertAudit(actor.Agent, AuditAction.CreateIssue, true, $"Created {id} [{issue.Severity}]: {issue.Title}", id, null, now);
        return IssueRow(id)!;
    });

    private static InvalidInputException UnknownBlocker(string id) =>
        new("UnknownBlocker", $"The blocker '{id}' is not an issue here: create it first, or list the issues with 'fastband issue list --all'.");

    public IssueChange Claim(string issueId, IssueActor actor, DateTimeOffset now, DateTimeOffset? takeStaleBefore = null, long? directiveMark = null) => Db.InWriteTransaction(() =>
    {
        if (directiveMark is { } mark && Db.Scalar<long>(OpsLogStore.DirectiveHighWaterSql) != mark)
            return new IssueChange(IssueChangeOutcome.DirectivesMoved, null, null, "The holds changed since they were checked.");
        long us = StoreRows.ToMicros(now);
        var before = takeStaleBefore is null ? null : IssueRow(issueId);
        // The check and the take are one statement under the writer lock: a second claimer finds the row already
        // changed and no longer new. The token is the counter's next value, bumped below. With takeStaleBefore, a
        // claim whose holder was last seen before then is taken over the same way. @stale is cast: it may be null.
        Issue? won;
        using (var claim = Db.Command(
                   "UPDATE issues SET status = 'in_progress', assigned_to = @agent, claimed_us = @now, updated_us = @now, " +
                   "claim_token = (SELECT value + 1 FROM counters WHERE name = 'claim') " +
                   $"WHERE {IdIs("id", "@id")} AND open_blockers = 0 AND (status = 'new' OR (CAST(@stale AS BIGINT) IS NOT NULL " +
                   $"AND status IN ('in_progress', 'fix_proposed') AND NOT ({IdIs("assigned_to", "@agent")}) " +
                   $"AND COALESCE((SELECT last_seen_us FROM agents WHERE {IdIs("name", "issues.assigned_to")}), claimed_us) < CAST(@stale AS BIGINT))) " +
                   $"RETURNING {IssueColumns};",
                   ("agent", actor.Agent), ("now", us), ("id", issueId), ("stale", StoreRows.ToMicros(takeStaleBefore))))
            won = StoreRows.Issues(claim).FirstOrDefault();
        Touch(actor, now);
        if (won is not null)
        {
            Db.Execute("UPDATE counters SET value = value + 1 WHERE name = 'claim';");
            string text = before?.AssignedTo is { } previous && before.Status != IssueStatus.New
                ? $"Claimed {won.Id} (claim token {won.ClaimToken}), taking over {previous}'s stale claim (token {before.ClaimToken})"
                : $"Claimed {won.Id} (claim token {won.ClaimToken})";
            InsertAudit(actor.Agent, AuditAction.ClaimIssue, true, text, won.Id, null, now);
            return new IssueChange(IssueChangeOutcome.Done, won, null, text + ".");
        }
        var issue = IssueRow(issueId) ?? throw IssueMessages.IssueNotFound(issueId);
        if (IsHolder(issue, actor.Agent))
            return new IssueChange(IssueChangeOutcome.AlreadyDone, issue, null, $"{issue.Id} is already yours (claim token {issue.ClaimToken}).");
        return Refuse(actor, AuditAction.ClaimIssue, IssueMessages.Unavailable(issue, OpenBlockersOf(issue)), issue, null, null, now);
    });

    public IssueChange Release(string issueId, IssueActor actor, bool force, string? reason, long? claimToken, DateTimeOffset now) => Db.InWriteTransaction(() =>
    {
        var issue = IssueRow(issueId) ?? throw IssueMessages.IssueNotFound(issueId);
        Touch(actor, now);
        string? refusal = issue.Status switch
        {
            IssueStatus.Resolved => $"{issue.Id} is resolved (by {issue.ResolvedBy}): there is no claim to release.",
            _ when issue.AssignedTo is null => $"{issue.Id} is not claimed by anyone: there is nothing to release.",
            _ when !force && !IsHolder(issue, actor.Agent) =>
                $"{issue.Id} is claimed by {issue.AssignedTo}, not {actor.Agent}: only {issue.AssignedTo} may release it, or release it with --force and a --reason (-Force -Reason).",
            _ when claimToken is { } t && t != issue.ClaimToken => IssueMessages.StaleToken(issue, t),
            _ => null,
        };
        if (refusal is not null) return Refuse(actor, AuditAction.ReleaseIssue, refusal, issue, null, null, now);
        Db.Execute("UPDATE issues SET status = 'new', assigned_to = NULL, claimed_us = NULL, claim_token = NULL, updated_us = @now WHERE id = @id;",
            ("now", StoreRows.ToMicros(now)), ("id", issue.Id));
        string text = IsHolder(issue, actor.Agent)
            ? $"Released {issue.Id}"
            : $"Force-released {issue.AssignedTo}'s claim on {issue.Id}: {reason}";
        return Done(actor, AuditAction.ReleaseIssue, text, issue.Id, null, now);
    });

    public IssueChange SubmitFix(NewFix fix, IssueActor actor, DateTimeOffset now) => Db.InWriteTransaction(() =>
    {
        var issue = IssueRow(fix.IssueId) ?? throw new NotFoundException("IssueNotFound",
            $"There is no issue '{fix.IssueId}' for this fix to resolve: check the id with 'fastband issue list --all'.");
        if (fix.Id is not null && FixRow(fix.Id) is { } existing)
            throw new BlockedException("FixExists", $"A fix with id '{existing.Id}' already exists (for {existing.IssueId}, {existing.Status}): choose another id or leave it out to have one generated.");
        Touch(actor, now);
        string? refusal = issue.Status switch
        {
            IssueStatus.Resolved => $"{issue.Id} is already resolved (by {issue.ResolvedBy}, fix {issue.ResolvedByFix}): no fix is needed.",
            _ when issue.AssignedTo is null => $"{issue.Id} is not claimed: claim it first with 'fastband issue claim {issue.Id}' (Lock-FastbandIssue), then submit the fix.",
            _ when !IsHolder(issue, actor.Agent) => $"{issue.Id} is claimed by {issue.AssignedTo}, not {actor.Agent}: only the holder proposes fixes for it; message {issue.AssignedTo} instead.",
            _ when fix.ClaimToken is { } t && t != issue.ClaimToken => IssueMessages.StaleToken(issue, t),
            _ => null,
        };
        // The refused fix names the id it was given, but is not returned: it was never written.
        if (refusal is not null) return Refuse(actor, AuditAction.ProposeFix, refusal, issue, null, fix.Id, now);
        string id = fix.Id ?? NextId("fix", "fixes");
        long us = StoreRows.ToMicros(now);
        Db.Execute(
            "INSERT INTO fixes (id, issue_id, title, approach, files, lines, tested, test_notes, status, proposed_by, proposed_us, verified_by) " +
            "VALUES (@id, @issue, @title, @approach, @files, @lines, @tested, @notes, 'proposed', @by, @now, '[]');",
            ("id", id), ("issue", issue.Id), ("title", fix.Title), ("approach", fix.Approach), ("files", StoreRows.Json(fix.Files)),
            ("lines", fix.Lines), ("tested", fix.Tested ? 1 : 0), ("notes", fix.TestNotes), ("by", actor.Agent), ("now", us));
        Db.Execute("UPDATE issues SET status = @status, updated_us = @now WHERE id = @id;", ("status", IssueStatus.FixProposed), ("now", us), ("id", issue.Id));
        return Done(actor, AuditAction.ProposeFix, $"Proposed {id} for {issue.Id}: {fix.Title}", issue.Id, id, now);
    });

    public IssueChange ApplyFix(string fixId, IssueActor actor, DateTimeOffset now) => Db.InWriteTransaction(() =>
    {
        var fix = FixRow(fixId) ?? throw IssueMessages.FixNotFound(fixId);
        var issue = IssueRow(fix.IssueId)!;
        Touch(actor, now);
        string? refusal = fix.Status != FixStatus.Proposed
            ? IssueMessages.NotProposed(fix, "applied")
            : issue.Status == IssueStatus.Resolved
                ? $"{issue.Id} is already resolved by {issue.ResolvedByFix ?? issue.ResolvedBy}: reject {fix.Id} instead."
                : null;
        if (refusal is not null) return Refuse(actor, AuditAction.ApplyFix, refusal, issue, fix, fix.Id, now);
        long us = StoreRows.ToMicros(now);
        var verified = fix.VerifiedBy.Contains(actor.Agent, StringComparer.OrdinalIgnoreCase) ? fix.VerifiedBy : fix.VerifiedBy.Append(actor.Agent).ToArray();
        Db.Execute("UPDATE fixes SET status = 'applied', verified_by = @verified, applied_by = @by, applied_us = @now WHERE id = @id;",
            ("verified", StoreRows.Json(verified)), ("by", actor.Agent), ("now", us), ("id", fix.Id));
        Db.Execute("UPDATE issues SET status = 'resolved', resolved_by = @by, resolved_us = @now, resolved_by_fix = @fix, updated_us = @now WHERE id = @id;",
            ("by", actor.Agent), ("now", us), ("fix", fix.Id), ("id", issue.Id));
        // The issues this one blocked have one open blocker fewer; at zero they become ready.
        Db.Execute("UPDATE issues SET open_blockers = open_blockers - 1, updated_us = @now WHERE id IN (SELECT issue_id FROM issue_blockers WHERE blocker_id = @id);",
            ("now", us), ("id", issue.Id));
        return Done(actor, AuditAction.ApplyFix, $"Applied {fix.Id}; {issue.Id} resolved", issue.Id, fix.Id, now);
    });

    public IssueChange RejectFix(string fixId, IssueActor actor, string reason, DateTimeOffset now) => Db.InWriteTransaction(() =>
    {
        var fix = FixRow(fixId) ?? throw IssueMessages.FixNotFound(fixId);
        var issue = IssueRow(fix.IssueId)!;
        Touch(actor, now);
        if (fix.Status != FixStatus.Proposed) return Refuse(actor, AuditAction.RejectFix, IssueMessages.NotProposed(fix, "rejected"), issue, fix, fix.Id, now);
        long us = StoreRows.ToMicros(now);
        Db.Execute("UPDATE fixes SET status = 'rejected', rejected_by = @by, rejected_us = @now, reject_reason = @reason WHERE id = @id;",
            ("by", actor.Agent), ("now", us), ("reason", reason), ("id", fix.Id));
        // Back to work, unless another of its fixes still awaits review.
        Db.Execute("UPDATE issues SET status = 'in_progress', updated_us = @now WHERE id = @id AND status = 'fix_proposed' " +
                   $"AND NOT EXISTS (SELECT 1 FROM fixes WHERE {IdIs("issue_id", "@id")} AND status = 'proposed');",
            ("now", us), ("id", issue.Id));
        return Done(actor, AuditAction.RejectFix, $"Rejected {fix.Id} for {issue.Id}: {reason}", issue.Id, fix.Id, now);
    });

    public AuditEntry Audit(IssueActor actor, string action, bool success, string message, string? issueId, string? fixId, DateTimeOffset now) =>
        Db.InWriteTransaction(() =>
        {
            Touch(actor, now);
            return InsertAudit(actor.Agent, action, success, message, issueId, fixId, now);
        });

    public ImportWrite Import(IReadOnlyList<Issue> issues, IReadOnlyList<Fix> fixes, IssueActor actor, string summary, DateTimeOffset now) => Db.InWriteTransaction(() =>
    {
        var present = new List<string>();
        var addedIssues = new List<string>();
        var addedFixes = new List<string>();
        foreach (var i in issues)
        {
            if (IssueRow(i.Id) is not null) { present.Add(i.Id); continue; }
            long? token = i.AssignedTo is not null && i.Status != IssueStatus.Resolved
                ? Db.Scalar<long>("UPDATE counters SET value = value + 1 WHERE name = 'claim' RETURNING value;")
                : null;
            Db.Execute(
                $"INSERT INTO issues ({IssueColumns}) VALUES (@id, @sev, @title, @desc, @files, @blockers, 0, @status, @by, @created, @updated, " +
                "@assigned, @claimed, @token, @resolvedBy, @resolved, @fix);",
                ("id", i.Id), ("sev", IssueSeverity.Rank(i.Severity)), ("title", i.Title), ("desc", i.Description),
                ("files", StoreRows.Json(i.Files)), ("blockers", StoreRows.Json(i.BlockedBy)), ("status", i.Status), ("by", i.CreatedBy),
                ("created", StoreRows.ToMicros(i.CreatedAt)), ("updated", StoreRows.ToMicros(i.UpdatedAt)), ("assigned", i.AssignedTo),
                ("claimed", StoreRows.ToMicros(i.ClaimedAt)), ("token", token), ("resolvedBy", i.ResolvedBy),
                ("resolved", StoreRows.ToMicros(i.ResolvedAt)), ("fix", i.ResolvedByFix));
            addedIssues.Add(i.Id);
        }
        foreach (var i in issues.Where(i => addedIssues.Contains(i.Id)))
            foreach (string b in i.BlockedBy) InsertBlocker(i.Id, b);
        foreach (string id in addedIssues)
            Db.Execute("UPDATE issues SET open_blockers = (SELECT COUNT(*) FROM issue_blockers b JOIN issues x ON x.id = b.blocker_id " +
                       "WHERE b.issue_id = @id AND x.status <> 'resolved') WHERE id = @id;", ("id", id));
        foreach (var f in fixes)
        {
            if (FixRow(f.Id) is not null) { present.Add(f.Id); continue; }
            Db.Execute(
                $"INSERT INTO fixes ({FixColumns}) VALUES (@id, @issue, @title, @approach, @files, @lines, @tested, @notes, @status, @by, @proposed, " +
                "@verified, @appliedBy, @applied, NULL, NULL, NULL);",
                ("id", f.Id), ("issue", f.IssueId), ("title", f.Title), ("approach", f.Approach), ("files", StoreRows.Json(f.Files)),
                ("lines", f.Lines), ("tested", f.Tested ? 1 : 0), ("notes", f.TestNotes), ("status", f.Status),
                ("by", f.ProposedBy), ("proposed", StoreRows.ToMicros(f.ProposedAt)), ("verified", StoreRows.Json(f.VerifiedBy)),
                ("appliedBy", f.AppliedBy), ("applied", StoreRows.ToMicros(f.AppliedAt)));
            addedFixes.Add(f.Id);
        }
        Touch(actor, now);
        InsertAudit(actor.Agent, AuditAction.Import, true, summary, null, null, now);
        return new ImportWrite(addedIssues, addedFixes, present);
    });

    // ---------------------------------------------------------------- plumbing, inside the write transaction

    private static bool IsHolder(Issue issue, string agent) =>
        issue.Status is IssueStatus.InProgress or IssueStatus.FixProposed && string.Equals(issue.AssignedTo, agent, StringComparison.OrdinalIgnoreCase);

    private void Touch(IssueActor actor, DateTimeOffset now) =>
        Db.AgentRecords.Upsert(new AgentTouch(actor.Agent, actor.Host, actor.ProcessId, actor.ProcessStartedAt), now, registering: false);

    /// <summary>A change the state forbids: audited as a failure, returned with the issue (and fix) as they are.</summary>
    private IssueChange Refuse(IssueActor actor, string action, string why, Issue issue, Fix? fix, string? fixId, DateTimeOffset now)
    {
        InsertAudit(actor.Agent, action, false, why, issue.Id, fixId, now);
        return new IssueChange(IssueChangeOutcome.Refused, issue, fix, why);
    }

    /// <summary>A change made: audited, returned with the issue (and fix) as they are now.</summary>
    private IssueChange Done(IssueActor actor, string action, string text, string issueId, string? fixId, DateTimeOffset now)
    {
        InsertAudit(actor.Agent, action, true, text, issueId, fixId, now);
        return new IssueChange(IssueChangeOutcome.Done, IssueRow(issueId), fixId is null ? null : FixRow(fixId), text + ".");
    }

    /// <summary>The next free generated id (issue_001, fix_001, ...): one past the counter, skipping ids given by hand or imported.</summary>
    private string NextId(string counter, string table)
    {
        long n = Db.Scalar<long>($"SELECT value FROM counters WHERE name = '{counter}';");
        string id;
        do
        {
            n++;
            id = $"{counter}_{n:000}";
            using var exists = Db.Command($"SELECT 1 FROM {table} WHERE {IdIs("id", "@id")};", ("id", id));
            if (exists.ExecuteScalar() is null) break;
        } while (true);
        Db.Execute("UPDATE counters SET value = @n WHERE name = @name;", ("n", n), ("name", counter));
        return id;
    }

    /// <summary>
    /// By the stored (canonical) ids, which the references name exactly (PostgreSQL's keys are case-sensitive). A
    /// blocker that is not an issue adds nothing: the callers have checked every blocker exists.
    /// </summary>
    private void InsertBlocker(string issueId, string blockerId) => Db.Execute(
        "INSERT INTO issue_blockers (issue_id, blocker_id) SELECT i.id, b.id FROM issues i, issues b " +
        $"WHERE {IdIs("i.id", "@issue")} AND {IdIs("b.id", "@blocker")} ON CONFLICT DO NOTHING;",
        ("issue", issueId), ("blocker", blockerId));

    private AuditEntry InsertAudit(string agent, string action, bool success, string message, string? issueId, string? fixId, DateTimeOffset now) => Db.Rows(
        $"INSERT INTO audit (ts_us, agent, action, success, message, issue_id, fix_id) VALUES (@now, @agent, @action, @ok, @message, @issue, @fix) RETURNING {AuditColumns};",
        StoreRows.Audit,
        ("now", StoreRows.ToMicros(now)), ("agent", agent), ("action", action), ("ok", success ? 1 : 0), ("message", message),
        ("issue", issueId), ("fix", fixId))[0];
}
