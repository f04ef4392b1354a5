using System.Data.Common;
using System.Text.Json;
using Fastband.Core.Board;
using Fastband.Core.Events;
using Fastband.Core.Git;
using Fastband.Core.Issues;
using Fastband.Core.Leader;
using Fastband.Core.Locks;
using Fastband.Core.Messaging;
using Fastband.Core.OpsLog;
using Fastband.Core.Sessions;

namespace Fastband.Core.Store;

/// <summary>
/// Rows to objects, for every backend: both stores keep the same tables with the same columns (times as
/// microseconds since the Unix epoch, lists as JSON text), so one reader per table serves both, and a
/// store copied from one backend to the other reads back the same.
/// </summary>
internal static class StoreRows
{
    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
    public static DateTimeOffset FromMicros(long us) => new(DateTime.UnixEpoch.Ticks + us * 10, TimeSpan.Zero);
    public static long? ToMicros(DateTimeOffset? t) => t is { } v ? ToMicros(v) : null;

    public static IReadOnlyList<string> Strings(string json) => JsonSerializer.Deserialize(json, PlainJsonContext.Default.StringArray) ?? Array.Empty<string>();
    public static string Json(IReadOnlyList<string> values) => JsonSerializer.Serialize(values, PlainJsonContext.Default.IReadOnlyListString);

    public static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    /// <summary>An integer column as a long, whatever width the backend gives it (PostgreSQL INTEGER is 32-bit, SQLite's 64).</summary>
    private static long Long(DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    private static DateTimeOffset? Time(DbDataReader r, int i) => r.IsDBNull(i) ? null : FromMicros(r.GetInt64(i));

    private static List<T> All<T>(DbCommand cmd, Func<DbDataReader, T> row)
    {
        var result = new List<T>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) result.Add(row(r));
        return result;
    }

    public const string EntryColumns = "id, ts_us, agent, event_type, message, ticket_id, metadata, host, pid";

    public static List<OpsLogEntry> Entries(DbCommand cmd) => All(cmd, r => new OpsLogEntry
    {
        Id = r.GetInt64(0),
        Timestamp = FromMicros(r.GetInt64(1)),
        Agent = r.GetString(2),
        EventType = r.GetString(3),
        Message = r.GetString(4),
        TicketId = Text(r, 5),
        Metadata = FastbandJson.ParseObject(Text(r, 6)),
        Host = r.GetString(7),
        ProcessId = r.GetInt32(8),
    });

    public const string AgentColumns = "name, host, pid, process_started_us, registered_us, last_seen_us, current_ticket";

    public static List<AgentRegistration> Agents(DbCommand cmd) => All(cmd, r => new AgentRegistration
    {
        Name = r.GetString(0),
        Host = r.GetString(1),
        ProcessId = r.GetInt32(2),
        ProcessStartedAt = Time(r, 3),
        RegisteredAt = FromMicros(r.GetInt64(4)),
        LastSeenAt = FromMicros(r.GetInt64(5)),
        CurrentTicket = Text(r, 6),
    });

    public const string HistoryColumns = "id, ts_us, action, lease_id, agent, resources, fencing_token, detail";

    public static List<LockEvent> History(DbCommand cmd) => All(cmd, r => new LockEvent
    {
        Id = r.GetInt64(0), At = FromMicros(r.GetInt64(1)), Action = r.GetString(2),
        LeaseId = Text(r, 3), Agent = r.GetString(4),
        Resources = Strings(r.GetString(5)), FencingToken = r.IsDBNull(6) ? null : r.GetInt64(6),
        Detail = Text(r, 7),
    });

    public const string LeaseColumns = "lease_id, agent, session, mode, fencing_token, host, pid, pid_started_us, reason, acquired_us, expires_us, renewed_us";

    /// <summary>Leases from <paramref name="leases"/> (selecting <see cref="LeaseColumns"/>) with their resources from <paramref name="resources"/> (lease_id, resource).</summary>
    public static List<Lease> Leases(DbCommand leases, DbCommand resources)
    {
        var byLease = new Dictionary<string, List<string>>();
        foreach (var (id, resource) in All(resources, r => (r.GetString(0), r.GetString(1))))
        {
            if (!byLease.TryGetValue(id, out var list)) byLease[id] = list = new List<string>();
            list.Add(resource);
        }
        return All(leases, r => new Lease
        {
            LeaseId = r.GetString(0), Agent = r.GetString(1), SessionId = Text(r, 2),
            Mode = r.GetString(3), FencingToken = r.GetInt64(4), Host = r.GetString(5),
            ProcessId = r.IsDBNull(6) ? null : r.GetInt32(6),
            ProcessStartedAt = Time(r, 7),
            Reason = Text(r, 8),
            AcquiredAt = FromMicros(r.GetInt64(9)), ExpiresAt = FromMicros(r.GetInt64(10)), RenewedAt = FromMicros(r.GetInt64(11)),
            Resources = byLease.TryGetValue(r.GetString(0), out var list) ? list : new List<string>(),
        });
    }

    public const string WaiterColumns = "ticket, agent, session, resources, mode, host, pid, pid_started_us, enqueued_us, seen_us";

    public static List<LockWaiter> Waiters(DbCommand cmd) => All(cmd, r => new LockWaiter
    {
        QueueNumber = r.GetInt64(0), Agent = r.GetString(1), SessionId = Text(r, 2),
        Resources = Strings(r.GetString(3)), Mode = r.GetString(4), Host = r.GetString(5), ProcessId = r.GetInt32(6),
        ProcessStartedAt = Time(r, 7),
        EnqueuedAt = FromMicros(r.GetInt64(8)), SeenAt = FromMicros(r.GetInt64(9)),
    });

    public const string MessageColumns = "id, recipient, seq, sender, kind, thread, body, sent_us, acked_us";

    public static List<Message> Messages(DbCommand cmd) => All(cmd, r => new Message
    {
        Id = r.GetInt64(0),
        Recipient = r.GetString(1),
        Seq = r.GetInt64(2),
        Sender = r.GetString(3),
        Kind = r.GetString(4),
        Thread = Text(r, 5),
        Body = r.GetString(6),
        SentAt = FromMicros(r.GetInt64(7)),
        AckedAt = Time(r, 8),
    });

    public static Message WithAck(Message m, DateTimeOffset at) => new()
    {
        Id = m.Id, Seq = m.Seq, Recipient = m.Recipient, Sender = m.Sender, Kind = m.Kind, Thread = m.Thread,
        Body = m.Body, SentAt = m.SentAt, AckedAt = at,
    };

    public const string StatusColumns = "agent, status, files, ticket_id, note, updated_us";

    public static List<AgentWorkStatus> Statuses(DbCommand cmd) => All(cmd, r => new AgentWorkStatus
    {
        Name = r.GetString(0),
        Status = r.GetString(1),
        Files = JsonSerializer.Deserialize(r.GetString(2), PlainJsonContext.Default.StringArray) ?? Array.Empty<string>(),
        TicketId = Text(r, 3),
        Note = Text(r, 4),
        UpdatedAt = FromMicros(r.GetInt64(5)),
    });

    public const string HeartbeatColumns = "agent, role, host, pid, first_us, beat_us, beats";

    public static List<Heartbeat> Heartbeats(DbCommand cmd) => All(cmd, r => new Heartbeat
    {
        Agent = r.GetString(0), Role = r.GetString(1), Host = r.GetString(2), ProcessId = r.GetInt32(3),
        FirstBeatAt = FromMicros(r.GetInt64(4)), LastBeatAt = FromMicros(r.GetInt64(5)), Beats = r.GetInt64(6),
    });

    public const string TermColumns = "term, agent, host, lease_id, fencing_token, started_us, ended_us, end_reason";

    public static List<LeaderTerm> Terms(DbCommand cmd) => All(cmd, r => new LeaderTerm
    {
        Term = r.GetInt64(0), Agent = r.GetString(1), Host = r.GetString(2), LeaseId = r.GetString(3), FencingToken = r.GetInt64(4),
        StartedAt = FromMicros(r.GetInt64(5)), EndedAt = Time(r, 6), EndReason = Text(r, 7),
    });

    public const string IssueColumns =
        "id, severity, title, description, files, blocked_by, open_blockers, status, created_by, created_us, updated_us, " +
        "assigned_to, claimed_us, claim_token, resolved_by, resolved_us, resolved_by_fix";

    public const string FixColumns =
        "id, issue_id, title, approach, files, lines, tested, test_notes, status, proposed_by, proposed_us, verified_by, " +
        "applied_by, applied_us, rejected_by, rejected_us, reject_reason";

    public const string AuditColumns = "id, ts_us, agent, action, success, message, issue_id, fix_id";

    /// <summary>Most lists are empty: skip the JSON parser for them (the ready list reads thousands of rows).</summary>
    public static IReadOnlyList<string> StringList(string json) => json == "[]" ? Array.Empty<string>() : Strings(json);

    public static List<Issue> Issues(DbCommand cmd) => All(cmd, r => new Issue
    {
        Id = r.GetString(0),
        Severity = IssueSeverity.FromRank(Long(r, 1)),
        Title = r.GetString(2),
        Description = r.GetString(3),
        Files = StringList(r.GetString(4)),
        BlockedBy = StringList(r.GetString(5)),
        OpenBlockers = (int)Long(r, 6),
        Status = r.GetString(7),
        CreatedBy = r.GetString(8),
        CreatedAt = FromMicros(r.GetInt64(9)),
        UpdatedAt = FromMicros(r.GetInt64(10)),
        AssignedTo = r.IsDBNull(11) ? null : r.GetString(11),
        ClaimedAt = r.IsDBNull(12) ? null : FromMicros(r.GetInt64(12)),
        ClaimToken = r.IsDBNull(13) ? null : r.GetInt64(13),
        ResolvedBy = r.IsDBNull(14) ? null : r.GetString(14),
        ResolvedAt = r.IsDBNull(15) ? null : FromMicros(r.GetInt64(15)),
        ResolvedByFix = r.IsDBNull(16) ? null : r.GetString(16),
    });

    public static List<Fix> Fixes(DbCommand cmd) => All(cmd, r => new Fix
    {
        Id = r.GetString(0),
        IssueId = r.GetString(1),
        Title = r.GetString(2),
        Approach = r.GetString(3),
        Files = StringList(r.GetString(4)),
        Lines = r.IsDBNull(5) ? null : r.GetString(5),
        Tested = Long(r, 6) != 0,
        TestNotes = r.IsDBNull(7) ? null : r.GetString(7),
        Status = r.GetString(8),
        ProposedBy = r.GetString(9),
        ProposedAt = FromMicros(r.GetInt64(10)),
        VerifiedBy = StringList(r.GetString(11)),
        AppliedBy = r.IsDBNull(12) ? null : r.GetString(12),
        AppliedAt = r.IsDBNull(13) ? null : FromMicros(r.GetInt64(13)),
        RejectedBy = r.IsDBNull(14) ? null : r.GetString(14),
        RejectedAt = r.IsDBNull(15) ? null : FromMicros(r.GetInt64(15)),
        RejectReason = r.IsDBNull(16) ? null : r.GetString(16),
    });

    public static AuditEntry Audit(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Timestamp = FromMicros(r.GetInt64(1)),
        Agent = r.GetString(2),
        Action = r.GetString(3),
        Success = Long(r, 4) != 0,
        Message = r.GetString(5),
        IssueId = r.IsDBNull(6) ? null : r.GetString(6),
        FixId = r.IsDBNull(7) ? null : r.GetString(7),
    };

    public const string EventColumns = "id, interaction, actor, type, content, ts_us";

    public static InteractionEvent Event(DbDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Interaction = r.GetInt64(1),
        Actor = r.GetString(2),
        Type = r.GetString(3),
        Content = r.GetString(4),
        Timestamp = FromMicros(r.GetInt64(5)),
    };

    public const string SessionSummaryColumns = "session_id, agent, current_task, message_count, size_bytes, created_us, updated_us";

    public static List<SessionSummary> SessionSummaries(DbCommand cmd) => All(cmd, r => new SessionSummary
    {
        SessionId = r.GetString(0), Agent = Text(r, 1), CurrentTask = Text(r, 2), MessageCount = (int)Long(r, 3),
        SizeBytes = r.GetInt64(4), CreatedAt = FromMicros(r.GetInt64(5)), UpdatedAt = FromMicros(r.GetInt64(6)),
    });

    /// <summary>A session's columns but its conversation, which each backend reads its own way after them.</summary>
    public const string SessionColumns = "session_id, agent, agent_contexts, task_progress, current_task, message_count, created_us, updated_us";

    public static SessionState Session(DbDataReader r, string conversation) => new()
    {
        SessionId = r.GetString(0), Agent = Text(r, 1), AgentContexts = Text(r, 2), TaskProgress = Text(r, 3), CurrentTask = Text(r, 4),
        MessageCount = (int)Long(r, 5), CreatedAt = FromMicros(r.GetInt64(6)), UpdatedAt = FromMicros(r.GetInt64(7)),
        ConversationHistory = conversation,
    };

    /// <summary>A checkpoint's or snapshot's session state as stored: compact JSON, or null.</summary>
    public static string? StateJson(SessionState? state) => state is null ? null : FastbandJson.Serialize(state, indented: false);

    // Checkpoints and snapshots: the five record columns and created_us, then either session_state (one record,
    // whole) or "session_state IS NOT NULL" (a list, without the state).
    public const string CheckpointColumns = "name, commit_id, description, agent, session_id, created_us";
    public const string SnapshotColumns = "snapshot_id, commit_id, reason, agent, session_id, created_us";

    public static CheckpointRecord? Checkpoint(DbCommand cmd) => All(cmd, r => Checkpoint(r, StateFrom(r, 6))).FirstOrDefault();

    public static List<(CheckpointRecord Record, bool HasState)> Checkpoints(DbCommand cmd) => All(cmd, r => (Checkpoint(r, null), Long(r, 6) != 0));

    public static SnapshotRecord? Snapshot(DbCommand cmd) => All(cmd, r => Snapshot(r, StateFrom(r, 6))).FirstOrDefault();

    public static List<(SnapshotRecord Record, bool HasState)> Snapshots(DbCommand cmd) => All(cmd, r => (Snapshot(r, null), Long(r, 6) != 0));

    private static CheckpointRecord Checkpoint(DbDataReader r, SessionState? state) =>
        new(r.GetString(0), r.GetString(1), Text(r, 2), r.GetString(3), Text(r, 4), state, FromMicros(r.GetInt64(5)));

    private static SnapshotRecord Snapshot(DbDataReader r, SessionState? state) =>
        new(r.GetString(0), r.GetString(1), Text(r, 2), r.GetString(3), Text(r, 4), state, FromMicros(r.GetInt64(5)));

    private static SessionState? StateFrom(DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : FastbandJson.Deserialize<SessionState>(r.GetString(i));
}
