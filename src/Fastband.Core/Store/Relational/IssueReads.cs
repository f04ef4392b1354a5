using Fastband.Core.Issues;

namespace Fastband.Core.Store;

/// <summary>
/// The reads of the issue tables (issues, issue_blockers, fixes, audit): the public ones under the connection's gate,
/// the row lookups (<see cref="IssueRow"/>, ...) for <see cref="IssueStore"/>'s write transactions. Ids, agents and
/// assignees compare ignoring case through the backend's index (<see cref="SqlDialect.EqualsIgnoreCase"/>), and lists
/// order ids as NOCASE sorts them (<see cref="SqlDialect.NameOrder"/>).
/// </summary>
internal abstract class IssueReads
{
    private protected readonly RelationalStore Db;

    private protected IssueReads(RelationalStore db) => Db = db;

    private protected const string IssueColumns = StoreRows.IssueColumns, FixColumns = StoreRows.FixColumns, AuditColumns = StoreRows.AuditColumns;

    private protected string IdIs(string column, string value) => Db.Dialect.EqualsIgnoreCase(column, value);

    public Issue? GetIssue(string issueId) => Db.Read(() => IssueRow(issueId));

    public Fix? GetFix(string fixId) => Db.Read(() => FixRow(fixId));

    public IReadOnlyList<Issue> ListIssues(IssueQuery query)
    {
        var (sql, parameters) = BuildListQuery(query);
        return Db.Read(() => Issues(sql, parameters));
    }

    /// <summary>The listing's SQL (SqliteStore.ExplainIssueQuery shows its plan).</summary>
    internal (string Sql, (string, object?)[] Parameters) BuildListQuery(IssueQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        // Literals, not parameters, for the available filter: the planner uses the partial index only when the
        // query's WHERE visibly implies the index's.
        if (query.AvailableOnly) where.Add("status = 'new' AND open_blockers = 0");
        if (query.Status is { } status) { where.Add("status = @status"); parameters.Add(("status", status)); }
        else if (!query.IncludeResolved && !query.AvailableOnly) where.Add("status <> 'resolved'");
        if (query.Severity is { } sev) { where.Add("severity = @sev"); parameters.Add(("sev", IssueSeverity.Rank(sev))); }
        if (query.AssignedTo is { } agent) { where.Add(IdIs("assigned_to", "@agent")); parameters.Add(("agent", agent)); }
        string sql = $"SELECT {IssueColumns} FROM issues" + Where(where)
                     + $" ORDER BY severity, created_us, {Db.Dialect.NameOrder("id")}" + Db.Dialect.Limit(query.Limit) + ";";
        return (sql, parameters.ToArray());
    }

    private static string Where(List<string> conditions) => conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : "";

    public IReadOnlySet<string> ExistingIssueIds(IEnumerable<string> ids)
    {
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Db.Read(() =>
        {
            foreach (string id in ids.Distinct(StringComparer.OrdinalIgnoreCase))
                if (Db.Scalar<string>($"SELECT id FROM issues WHERE {IdIs("id", "@id")};", ("id", id)) is { } s) found.Add(s);
            return 0;
        });
        return found;
    }

    public IReadOnlyList<Fix> ListFixes(FixQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.IssueId is { } issue) { where.Add(IdIs("issue_id", "@issue")); parameters.Add(("issue", issue)); }
        if (query.Status is { } status) { where.Add("status = @status"); parameters.Add(("status", status)); }
        string sql = $"SELECT {FixColumns} FROM fixes" + Where(where)
                     + $" ORDER BY proposed_us, {Db.Dialect.NameOrder("id")}" + Db.Dialect.Limit(query.Limit) + ";";
        return Db.Read(() => Fixes(sql, parameters.ToArray()));
    }

    public IReadOnlyList<AuditEntry> ListAudit(AuditQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Since is { } since) { where.Add("ts_us >= @since"); parameters.Add(("since", StoreRows.ToMicros(since))); }
        if (query.AfterId is { } after) { where.Add("id > @after"); parameters.Add(("after", after)); }
        if (query.Agent is { } agent) { where.Add(IdIs("agent", "@agent")); parameters.Add(("agent", agent)); }
        if (query.IssueId is { } issue) { where.Add(IdIs("issue_id", "@issue")); parameters.Add(("issue", issue)); }
        string sql = $"SELECT {AuditColumns} FROM audit" + Where(where) + " ORDER BY id" + Db.Dialect.Limit(query.Limit) + ";";
        return Db.Read(() => Db.Rows(sql, StoreRows.Audit, parameters.ToArray()));
    }

    public IssueStatistics Statistics() => Db.Read(() =>
    {
        var byStatus = IssueStatus.All.ToDictionary(s => s, _ => 0L);
        var bySeverity = IssueSeverity.All.ToDictionary(s => s, _ => 0L);
        var fixes = FixStatus.All.ToDictionary(s => s, _ => 0L);
        // severity is an INTEGER column, 32-bit on PostgreSQL: cast to read it as the long SQLite gives.
        foreach (var (status, severity, count) in Db.Rows("SELECT status, CAST(severity AS BIGINT), COUNT(*) FROM issues GROUP BY status, severity;",
                     r => (r.GetString(0), r.GetInt64(1), r.GetInt64(2))))
        {
            byStatus[status] = byStatus.GetValueOrDefault(status) + count;
            if (status != IssueStatus.Resolved) bySeverity[IssueSeverity.FromRank(severity)] += count;
        }
        foreach (var (status, count) in Db.Rows("SELECT status, COUNT(*) FROM fixes GROUP BY status;", r => (r.GetString(0), r.GetInt64(1))))
            fixes[status] = count;
        long available = Db.Scalar<long>("SELECT COUNT(*) FROM issues WHERE status = 'new' AND open_blockers = 0;");
        var last = Db.Rows("SELECT id, ts_us FROM audit ORDER BY id DESC LIMIT 1;", r => (Id: r.GetInt64(0), At: StoreRows.FromMicros(r.GetInt64(1))));
        return new IssueStatistics
        {
            IssuesByStatus = byStatus, OpenIssuesBySeverity = bySeverity, FixesByStatus = fixes, Available = available,
            LastAuditId = last.Count > 0 ? last[0].Id : 0, LastAuditAt = last.Count > 0 ? last[0].At : null,
        };
    });

    // ---------------------------------------------------------------- row lookups, under the caller's gate or transaction

    private protected Issue? IssueRow(string id) => Issues($"SELECT {IssueColumns} FROM issues WHERE {IdIs("id", "@id")};", ("id", id)).FirstOrDefault();

    private protected Fix? FixRow(string id) => Fixes($"SELECT {FixColumns} FROM fixes WHERE {IdIs("id", "@id")};", ("id", id)).FirstOrDefault();

    private List<Issue> Issues(string sql, params (string, object?)[] parameters)
    {
        using var cmd = Db.Command(sql, parameters);
        return StoreRows.Issues(cmd);
    }

    private List<Fix> Fixes(string sql, params (string, object?)[] parameters)
    {
        using var cmd = Db.Command(sql, parameters);
        return StoreRows.Fixes(cmd);
    }

    /// <summary>The unresolved blockers of an issue, for the sentence that refuses a claim.</summary>
    private protected IReadOnlyList<string> OpenBlockersOf(Issue issue) => Db.Rows(
        "SELECT b.blocker_id FROM issue_blockers b JOIN issues x ON x.id = b.blocker_id WHERE b.issue_id = @id AND x.status <> 'resolved' " +
        $"ORDER BY {Db.Dialect.NameOrder("b.blocker_id")};", r => r.GetString(0), ("id", issue.Id));
}
