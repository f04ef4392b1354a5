using Fastband.Core.Issues;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

/// <summary>Issues, fixes and the audit trail (see <see cref="IIssueStore"/>).</summary>
public sealed partial class SqliteStore : IIssueStore
{
    public IIssueStore Issues => this;

    private const string IssueColumns = StoreRows.IssueColumns, FixColumns = StoreRows.FixColumns, AuditColumns = StoreRows.AuditColumns;

    // ---------------------------------------------------------------- changes

    public Issue CreateIssue(NewIssue issue, IssueActor actor, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            string id = issue.Id ?? NextId("issue", "issues");
            if (issue.Id is not null && IssueRow(id) is { } existing)
                throw new BlockedException("IssueExists", $"An issue with id '{existing.Id}' already exists ({existing.Title}): choose another id or leave it out to have one generated.");
            var blockers = issue.BlockedBy.Select(b => IssueRow(b) ?? throw UnknownBlocker(b)).ToArray();
            int open = blockers.Count(b => b.Status != IssueStatus.Resolved);
            long us = ToMicros(now);
            using (var insert = Command(
                       $"INSERT INTO issues (id, severity, title, description, files, blocked_by, open_blockers, status, created_by, created_us, updated_us) " +
                       "VALUES ($id, $sev, $title, $desc, $files, $blockers, $open, 'new', $by, $now, $now);",
                       ("$id", id), ("$sev", IssueSeverity.Rank(issue.Severity)), ("$title", issue.Title), ("$desc", issue.Description),
                       ("$files", Json(issue.Files)), ("$blockers", Json(blockers.Select(b => b.Id).ToArray())), ("$open", open),
                       ("$by", actor.Agent), ("$now", us)))
                insert.ExecuteNonQuery();
            foreach (var b in blockers) InsertBlocker(id, b.Id);
            Touch(actor, now);
            InsertAudit(actor.Agent, AuditAction.CreateIssue, true, $"Created {id} [{issue.Severity}]: {issue.Title}", id, null, now);
            return IssueRow(id)!;
        });
    }

    private static InvalidInputException UnknownBlocker(string id) =>
        new("UnknownBlocker", $"The blocker '{id}' is not an issue here: create it first, or list the issues with 'fastband issue list --all'.");

    public IssueChange Claim(string issueId, IssueActor actor, DateTimeOffset now, DateTimeOffset? takeStaleBefore = null)
    {
        return InWriteTransaction(() =>
        {
            long us = ToMicros(now);
            var before = takeStaleBefore is null ? null : IssueRow(issueId);
            // The check and the take are one statement inside BEGIN IMMEDIATE: a second claimer finds the row
            // already changed and no longer new. The token is the counter's next value, bumped below. With
            // takeStaleBefore, a claim whose holder was last seen before then is taken over the same way.
            Issue? won;
            using (var claim = Command(
                       $"UPDATE issues SET status = 'in_progress', assigned_to = $agent, claimed_us = $now, updated_us = $now, " +
                       "claim_token = (SELECT value + 1 FROM counters WHERE name = 'claim') " +
                       "WHERE id = $id AND open_blockers = 0 AND (status = 'new' OR ($stale IS NOT NULL AND status IN ('in_progress', 'fix_proposed') " +
                       "AND assigned_to <> $agent AND COALESCE((SELECT last_seen_us FROM agents WHERE name = issues.assigned_to), claimed_us) < $stale)) " +
                       $"RETURNING {IssueColumns};",
                       ("$agent", actor.Agent), ("$now", us), ("$id", issueId), ("$stale", takeStaleBefore is { } s ? ToMicros(s) : null)))
                won = ReadIssues(claim).FirstOrDefault();
            Touch(actor, now);
            if (won is not null)
            {
                Execute("UPDATE counters SET value = value + 1 WHERE name = 'claim';");
                string text = before?.AssignedTo is { } previous && before.Status != IssueStatus.New
                    ? $"Claimed {won.Id} (claim token {won.ClaimToken}), taking over {previous}'s stale claim (token {before.ClaimToken})"
                    : $"Claimed {won.Id} (claim token {won.ClaimToken})";
                InsertAudit(actor.Agent, AuditAction.ClaimIssue, true, text, won.Id, null, now);
                return new IssueChange(IssueChangeOutcome.Done, won, null, text + ".");
            }
            var issue = IssueRow(issueId) ?? throw IssueMessages.IssueNotFound(issueId);
            if (IsHolder(issue, actor.Agent))
                return new IssueChange(IssueChangeOutcome.AlreadyDone, issue, null, $"{issue.Id} is already yours (claim token {issue.ClaimToken}).");
            string why = IssueMessages.Unavailable(issue, BlockersOf(issue));
            InsertAudit(actor.Agent, AuditAction.ClaimIssue, false, why, issue.Id, null, now);
            return new IssueChange(IssueChangeOutcome.Refused, issue, null, why);
        });
    }

    public IssueChange Release(string issueId, IssueActor actor, bool force, string? reason, long? claimToken, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
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
            if (refusal is not null)
            {
                InsertAudit(actor.Agent, AuditAction.ReleaseIssue, false, refusal, issue.Id, null, now);
                return new IssueChange(IssueChangeOutcome.Refused, issue, null, refusal);
            }
            using (var release = Command(
                       "UPDATE issues SET status = 'new', assigned_to = NULL, claimed_us = NULL, claim_token = NULL, updated_us = $now WHERE id = $id;",
                       ("$now", ToMicros(now)), ("$id", issue.Id)))
                release.ExecuteNonQuery();
            string text = IsHolder(issue, actor.Agent)
                ? $"Released {issue.Id}"
                : $"Force-released {issue.AssignedTo}'s claim on {issue.Id}: {reason}";
            InsertAudit(actor.Agent, AuditAction.ReleaseIssue, true, text, issue.Id, null, now);
            return new IssueChange(IssueChangeOutcome.Done, IssueRow(issue.Id), null, text + ".");
        });
    }

    public IssueChange SubmitFix(NewFix fix, IssueActor actor, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
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
            if (refusal is not null)
            {
                InsertAudit(actor.Agent, AuditAction.ProposeFix, false, refusal, issue.Id, fix.Id, now);
                return new IssueChange(IssueChangeOutcome.Refused, issue, null, refusal);
            }
            string id = fix.Id ?? NextId("fix", "fixes");
            long us = ToMicros(now);
            using (var insert = Command(
                       "INSERT INTO fixes (id, issue_id, title, approach, files, lines, tested, test_notes, status, proposed_by, proposed_us, verified_by) " +
                       "VALUES ($id, $issue, $title, $approach, $files, $lines, $tested, $notes, 'proposed', $by, $now, '[]');",
                       ("$id", id), ("$issue", issue.Id), ("$title", fix.Title), ("$approach", fix.Approach), ("$files", Json(fix.Files)),
                       ("$lines", fix.Lines), ("$tested", fix.Tested ? 1 : 0), ("$notes", fix.TestNotes), ("$by", actor.Agent), ("$now", us)))
                insert.ExecuteNonQuery();
            SetIssueStatus(issue.Id, IssueStatus.FixProposed, us);
            string text = $"Proposed {id} for {issue.Id}: {fix.Title}";
            InsertAudit(actor.Agent, AuditAction.ProposeFix, true, text, issue.Id, id, now);
            return new IssueChange(IssueChangeOutcome.Done, IssueRow(issue.Id), FixRow(id), text + ".");
        });
    }

    public IssueChange ApplyFix(string fixId, IssueActor actor, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            var fix = FixRow(fixId) ?? throw IssueMessages.FixNotFound(fixId);
            var issue = IssueRow(fix.IssueId)!;
            Touch(actor, now);
            string? refusal = fix.Status != FixStatus.Proposed
                ? IssueMessages.NotProposed(fix, "applied")
                : issue.Status == IssueStatus.Resolved
                    ? $"{issue.Id} is already resolved by {issue.ResolvedByFix ?? issue.ResolvedBy}: reject {fix.Id} instead."
                    : null;
            if (refusal is not null)
            {
                InsertAudit(actor.Agent, AuditAction.ApplyFix, false, refusal, issue.Id, fix.Id, now);
                return new IssueChange(IssueChangeOutcome.Refused, issue, fix, refusal);
            }
            long us = ToMicros(now);
            var verified = fix.VerifiedBy.Contains(actor.Agent, StringComparer.OrdinalIgnoreCase) ? fix.VerifiedBy : fix.VerifiedBy.Append(actor.Agent).ToArray();
            using (var apply = Command(
                       "UPDATE fixes SET status = 'applied', verified_by = $verified, applied_by = $by, applied_us = $now WHERE id = $id;",
                       ("$verified", Json(verified)), ("$by", actor.Agent), ("$now", us), ("$id", fix.Id)))
                apply.ExecuteNonQuery();
            using (var resolve = Command(
                       "UPDATE issues SET status = 'resolved', resolved_by = $by, resolved_us = $now, resolved_by_fix = $fix, updated_us = $now WHERE id = $id;",
                       ("$by", actor.Agent), ("$now", us), ("$fix", fix.Id), ("$id", issue.Id)))
                resolve.ExecuteNonQuery();
            // The issues this one blocked have one open blocker fewer; at zero they become ready.
            using (var unblock = Command(
                       "UPDATE issues SET open_blockers = open_blockers - 1, updated_us = $now WHERE id IN (SELECT issue_id FROM issue_blockers WHERE blocker_id = $id);",
                       ("$now", us), ("$id", issue.Id)))
                unblock.ExecuteNonQuery();
            string text = $"Applied {fix.Id}; {issue.Id} resolved";
            InsertAudit(actor.Agent, AuditAction.ApplyFix, true, text, issue.Id, fix.Id, now);
            return new IssueChange(IssueChangeOutcome.Done, IssueRow(issue.Id), FixRow(fix.Id), text + ".");
        });
    }

    public IssueChange RejectFix(string fixId, IssueActor actor, string reason, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            var fix = FixRow(fixId) ?? throw IssueMessages.FixNotFound(fixId);
            var issue = IssueRow(fix.IssueId)!;
            Touch(actor, now);
            if (fix.Status != FixStatus.Proposed)
            {
                string refusal = IssueMessages.NotProposed(fix, "rejected");
                InsertAudit(actor.Agent, AuditAction.RejectFix, false, refusal, issue.Id, fix.Id, now);
                return new IssueChange(IssueChangeOutcome.Refused, issue, fix, refusal);
            }
            long us = ToMicros(now);
            using (var reject = Command(
                       "UPDATE fixes SET status = 'rejected', rejected_by = $by, rejected_us = $now, reject_reason = $reason WHERE id = $id;",
                       ("$by", actor.Agent), ("$now", us), ("$reason", reason), ("$id", fix.Id)))
                reject.ExecuteNonQuery();
            // Back to work, unless another of its fixes still awaits review.
            using (var back = Command(
                       "UPDATE issues SET status = 'in_progress', updated_us = $now WHERE id = $id AND status = 'fix_proposed' " +
                       "AND NOT EXISTS (SELECT 1 FROM fixes WHERE issue_id = $id AND status = 'proposed');",
                       ("$now", us), ("$id", issue.Id)))
                back.ExecuteNonQuery();
            string text = $"Rejected {fix.Id} for {issue.Id}: {reason}";
            InsertAudit(actor.Agent, AuditAction.RejectFix, true, text, issue.Id, fix.Id, now);
            return new IssueChange(IssueChangeOutcome.Done, IssueRow(issue.Id), FixRow(fix.Id), text + ".");
        });
    }

    public AuditEntry Audit(IssueActor actor, string action, bool success, string message, string? issueId, string? fixId, DateTimeOffset now) =>
        InWriteTransaction(() =>
        {
            Touch(actor, now);
            return InsertAudit(actor.Agent, action, success, message, issueId, fixId, now);
        });

    public ImportWrite Import(IReadOnlyList<Issue> issues, IReadOnlyList<Fix> fixes, IssueActor actor, string summary, DateTimeOffset now)
    {
        return InWriteTransaction(() =>
        {
            var present = new List<string>();
            var addedIssues = new List<string>();
            var addedFixes = new List<string>();
            foreach (var i in issues)
            {
                if (IssueRow(i.Id) is not null) { present.Add(i.Id); continue; }
                long? token = i.AssignedTo is not null && i.Status != IssueStatus.Resolved
                    ? Scalar<long>("UPDATE counters SET value = value + 1 WHERE name = 'claim' RETURNING value;")
                    : null;
                using var insert = Command(
                    $"INSERT INTO issues ({IssueColumns}) VALUES ($id, $sev, $title, $desc, $files, $blockers, 0, $status, $by, $created, $updated, " +
                    "$assigned, $claimed, $token, $resolvedBy, $resolved, $fix);",
                    ("$id", i.Id), ("$sev", IssueSeverity.Rank(i.Severity)), ("$title", i.Title), ("$desc", i.Description),
                    ("$files", Json(i.Files)), ("$blockers", Json(i.BlockedBy)), ("$status", i.Status), ("$by", i.CreatedBy),
                    ("$created", ToMicros(i.CreatedAt)), ("$updated", ToMicros(i.UpdatedAt)), ("$assigned", i.AssignedTo),
                    ("$claimed", i.ClaimedAt is { } c ? ToMicros(c) : null), ("$token", token), ("$resolvedBy", i.ResolvedBy),
                    ("$resolved", i.ResolvedAt is { } r ? ToMicros(r) : null), ("$fix", i.ResolvedByFix));
                insert.ExecuteNonQuery();
                addedIssues.Add(i.Id);
            }
            foreach (var i in issues.Where(i => addedIssues.Contains(i.Id)))
                foreach (string b in i.BlockedBy) InsertBlocker(i.Id, b);
            foreach (string id in addedIssues)
            {
                using var count = Command(
                    "UPDATE issues SET open_blockers = (SELECT COUNT(*) FROM issue_blockers b JOIN issues x ON x.id = b.blocker_id " +
                    "WHERE b.issue_id = $id AND x.status <> 'resolved') WHERE id = $id;", ("$id", id));
                count.ExecuteNonQuery();
            }
            foreach (var f in fixes)
            {
                if (FixRow(f.Id) is not null) { present.Add(f.Id); continue; }
                using var insert = Command(
                    $"INSERT INTO fixes ({FixColumns}) VALUES ($id, $issue, $title, $approach, $files, $lines, $tested, $notes, $status, $by, $proposed, " +
                    "$verified, $appliedBy, $applied, NULL, NULL, NULL);",
                    ("$id", f.Id), ("$issue", f.IssueId), ("$title", f.Title), ("$approach", f.Approach), ("$files", Json(f.Files)),
                    ("$lines", f.Lines), ("$tested", f.Tested ? 1 : 0), ("$notes", f.TestNotes), ("$status", f.Status),
                    ("$by", f.ProposedBy), ("$proposed", ToMicros(f.ProposedAt)), ("$verified", Json(f.VerifiedBy)),
                    ("$appliedBy", f.AppliedBy), ("$applied", f.AppliedAt is { } a ? ToMicros(a) : null));
                insert.ExecuteNonQuery();
                addedFixes.Add(f.Id);
            }
            Touch(actor, now);
            InsertAudit(actor.Agent, AuditAction.Import, true, summary, null, null, now);
            return new ImportWrite(addedIssues, addedFixes, present);
        });
    }

    // ---------------------------------------------------------------- reads

    public Issue? GetIssue(string issueId)
    {
        lock (_gate) return IssueRow(issueId);
    }

    public IReadOnlyList<Issue> ListIssues(IssueQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        // Literals, not parameters, for the available filter: SQLite uses the partial index only when the
        // query's WHERE visibly implies the index's.
        if (query.AvailableOnly) where.Add("status = 'new' AND open_blockers = 0");
        if (query.Status is { } status) { where.Add("status = $status"); parameters.Add(("$status", status)); }
        else if (!query.IncludeResolved && !query.AvailableOnly) where.Add("status <> 'resolved'");
        if (query.Severity is { } sev) { where.Add("severity = $sev"); parameters.Add(("$sev", IssueSeverity.Rank(sev))); }
        if (query.AssignedTo is { } agent) { where.Add("assigned_to = $agent"); parameters.Add(("$agent", agent)); }
        string sql = $"SELECT {IssueColumns} FROM issues" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
                     + " ORDER BY severity, created_us, id" + (query.Limit > 0 ? $" LIMIT {query.Limit}" : "") + ";";
        lock (_gate)
        {
            using var cmd = Command(sql, parameters.ToArray());
            return ReadIssues(cmd);
        }
    }

    /// <summary>SQLite's plan for a listing: tests assert that the available list reads the partial index.</summary>
    internal IReadOnlyList<string> ExplainIssueQuery(IssueQuery query)
    {
        lock (_gate)
        {
            string sql = query.AvailableOnly
                ? $"EXPLAIN QUERY PLAN SELECT {IssueColumns} FROM issues WHERE status = 'new' AND open_blockers = 0 ORDER BY severity, created_us, id;"
                : $"EXPLAIN QUERY PLAN SELECT {IssueColumns} FROM issues ORDER BY severity, created_us, id;";
            using var cmd = Command(sql);
            using var reader = cmd.ExecuteReader();
            var lines = new List<string>();
            while (reader.Read()) lines.Add(reader.GetString(3));
            return lines;
        }
    }

    public IReadOnlySet<string> ExistingIssueIds(IEnumerable<string> ids)
    {
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        lock (_gate)
        {
            foreach (string id in ids.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                using var cmd = Command("SELECT id FROM issues WHERE id = $id;", ("$id", id));
                if (cmd.ExecuteScalar() is string s) found.Add(s);
            }
        }
        return found;
    }

    public Fix? GetFix(string fixId)
    {
        lock (_gate) return FixRow(fixId);
    }

    public IReadOnlyList<Fix> ListFixes(FixQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.IssueId is { } issue) { where.Add("issue_id = $issue"); parameters.Add(("$issue", issue)); }
        if (query.Status is { } status) { where.Add("status = $status"); parameters.Add(("$status", status)); }
        string sql = $"SELECT {FixColumns} FROM fixes" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
                     + " ORDER BY proposed_us, id" + (query.Limit > 0 ? $" LIMIT {query.Limit}" : "") + ";";
        lock (_gate)
        {
            using var cmd = Command(sql, parameters.ToArray());
            return ReadFixes(cmd);
        }
    }

    public IReadOnlyList<AuditEntry> ListAudit(AuditQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Since is { } since) { where.Add("ts_us >= $since"); parameters.Add(("$since", ToMicros(since))); }
        if (query.AfterId is { } after) { where.Add("id > $after"); parameters.Add(("$after", after)); }
        if (query.Agent is { } agent) { where.Add("agent = $agent COLLATE NOCASE"); parameters.Add(("$agent", agent)); }
        if (query.IssueId is { } issue) { where.Add("issue_id = $issue COLLATE NOCASE"); parameters.Add(("$issue", issue)); }
        string sql = $"SELECT {AuditColumns} FROM audit" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY id"
                     + (query.Limit > 0 ? $" LIMIT {query.Limit}" : "") + ";";
        lock (_gate)
        {
            using var cmd = Command(sql, parameters.ToArray());
            var result = new List<AuditEntry>();
            using var r = cmd.ExecuteReader();
            while (r.Read()) result.Add(StoreRows.Audit(r));
            return result;
        }
    }

    public IssueStatistics Statistics()
    {
        lock (_gate)
        {
            var byStatus = IssueStatus.All.ToDictionary(s => s, _ => 0L);
            var bySeverity = IssueSeverity.All.ToDictionary(s => s, _ => 0L);
            var fixes = FixStatus.All.ToDictionary(s => s, _ => 0L);
            using (var cmd = Command("SELECT status, severity, COUNT(*) FROM issues GROUP BY status, severity;"))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    byStatus[r.GetString(0)] = byStatus.GetValueOrDefault(r.GetString(0)) + r.GetInt64(2);
                    if (r.GetString(0) != IssueStatus.Resolved) bySeverity[IssueSeverity.FromRank(r.GetInt64(1))] += r.GetInt64(2);
                }
            }
            using (var cmd = Command("SELECT status, COUNT(*) FROM fixes GROUP BY status;"))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) fixes[r.GetString(0)] = r.GetInt64(1);
            long available = Scalar<long>("SELECT COUNT(*) FROM issues WHERE status = 'new' AND open_blockers = 0;");
            long lastId = 0;
            DateTimeOffset? lastAt = null;
            using (var cmd = Command("SELECT id, ts_us FROM audit ORDER BY id DESC LIMIT 1;"))
            using (var r = cmd.ExecuteReader())
                if (r.Read()) { lastId = r.GetInt64(0); lastAt = FromMicros(r.GetInt64(1)); }
            return new IssueStatistics
            {
                IssuesByStatus = byStatus, OpenIssuesBySeverity = bySeverity, FixesByStatus = fixes, Available = available,
                LastAuditId = lastId, LastAuditAt = lastAt,
            };
        }
    }

    // ---------------------------------------------------------------- plumbing

    private static bool IsHolder(Issue issue, string agent) =>
        issue.Status is IssueStatus.InProgress or IssueStatus.FixProposed && string.Equals(issue.AssignedTo, agent, StringComparison.OrdinalIgnoreCase);

    private void Touch(IssueActor actor, DateTimeOffset now) =>
        UpsertAgent(new AgentTouch(actor.Agent, actor.Host, actor.ProcessId, actor.ProcessStartedAt), now, registering: false);

    /// <summary>The next free generated id (issue_001, fix_001, ...): one past the counter, skipping ids given by hand or imported.</summary>
    private string NextId(string counter, string table)
    {
        long n = Scalar<long>($"SELECT value FROM counters WHERE name = '{counter}';");
        string id;
        do
        {
            n++;
            id = $"{counter}_{n:000}";
            using var exists = Command($"SELECT 1 FROM {table} WHERE id = $id;", ("$id", id));
            if (exists.ExecuteScalar() is null) break;
        } while (true);
        using var update = Command("UPDATE counters SET value = $n WHERE name = $name;", ("$n", n), ("$name", counter));
        update.ExecuteNonQuery();
        return id;
    }

    private void InsertBlocker(string issueId, string blockerId)
    {
        using var cmd = Command("INSERT OR IGNORE INTO issue_blockers (issue_id, blocker_id) VALUES ($issue, $blocker);", ("$issue", issueId), ("$blocker", blockerId));
        cmd.ExecuteNonQuery();
    }

    private void SetIssueStatus(string issueId, string status, long us)
    {
        using var cmd = Command("UPDATE issues SET status = $status, updated_us = $now WHERE id = $id;", ("$status", status), ("$now", us), ("$id", issueId));
        cmd.ExecuteNonQuery();
    }

    private AuditEntry InsertAudit(string agent, string action, bool success, string message, string? issueId, string? fixId, DateTimeOffset now)
    {
        using var cmd = Command(
            $"INSERT INTO audit (ts_us, agent, action, success, message, issue_id, fix_id) VALUES ($now, $agent, $action, $ok, $message, $issue, $fix) RETURNING {AuditColumns};",
            ("$now", ToMicros(now)), ("$agent", agent), ("$action", action), ("$ok", success ? 1 : 0), ("$message", message),
            ("$issue", issueId), ("$fix", fixId));
        using var r = cmd.ExecuteReader();
        r.Read();
        return StoreRows.Audit(r);
    }

    private Issue? IssueRow(string id)
    {
        using var cmd = Command($"SELECT {IssueColumns} FROM issues WHERE id = $id;", ("$id", id));
        return ReadIssues(cmd).FirstOrDefault();
    }

    private Fix? FixRow(string id)
    {
        using var cmd = Command($"SELECT {FixColumns} FROM fixes WHERE id = $id;", ("$id", id));
        return ReadFixes(cmd).FirstOrDefault();
    }

    /// <summary>The unresolved blockers of an issue, for the sentence that refuses a claim.</summary>
    private IReadOnlyList<string> BlockersOf(Issue issue)
    {
        using var cmd = Command(
            "SELECT b.blocker_id FROM issue_blockers b JOIN issues x ON x.id = b.blocker_id WHERE b.issue_id = $id AND x.status <> 'resolved' ORDER BY b.blocker_id;",
            ("$id", issue.Id));
        var result = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) result.Add(r.GetString(0));
        return result;
    }

    private static List<Issue> ReadIssues(SqliteCommand cmd) => StoreRows.Issues(cmd);

    private static List<Fix> ReadFixes(SqliteCommand cmd) => StoreRows.Fixes(cmd);
}
