namespace Fastband.Core.OpsLog;

/// <summary>One line of the Agent Ops Log, as stored.</summary>
public sealed class OpsLogEntry
{
    public long Id { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public string Agent { get; init; } = "";
    public string EventType { get; init; } = "";
    public string Message { get; init; } = "";
    public string? TicketId { get; init; }
    public IReadOnlyDictionary<string, object?> Metadata { get; init; } = EmptyMetadata;
    public string Host { get; init; } = "";
    public int ProcessId { get; init; }

    /// <summary><c>[agent][YYYY-MM-DD HH:MM:SS] [#ticket] message</c>, the timestamp in UTC.</summary>
    public string Formatted => Format(Agent, Timestamp, TicketId, Message);

    public static string Format(string agent, DateTimeOffset timestamp, string? ticketId, string message)
    {
        string ticket = string.IsNullOrEmpty(ticketId) ? "" : $" [#{ticketId}]";
        return $"[{agent}][{TimeSpec.Display(timestamp)}]{ticket} {message}";
    }

    public override string ToString() => Formatted;

    internal static readonly IReadOnlyDictionary<string, object?> EmptyMetadata =
        new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>What a writer supplies; the store adds id and timestamp.</summary>
public sealed record NewOpsLogEntry(
    string Agent,
    string EventType,
    string Message,
    string? TicketId,
    IReadOnlyDictionary<string, object?> Metadata,
    string Host,
    int ProcessId);

/// <summary>A filter over the log. Null fields do not filter.</summary>
/// <summary>A page of the ops log: the entries read, and how many more matched beyond the limit.</summary>
public sealed record OpsLogPage(IReadOnlyList<OpsLogEntry> Entries, long More);

public sealed record OpsLogQuery
{
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public string? Agent { get; init; }
    public IReadOnlyList<string>? EventTypes { get; init; }
    public string? TicketId { get; init; }

    /// <summary>Only entries with a greater id: the cursor follow mode uses.</summary>
    public long? AfterId { get; init; }

    /// <summary>Oldest first instead of newest first (the limit then keeps the oldest).</summary>
    public bool OldestFirst { get; init; }

    /// <summary>At most this many entries; 0 (the default) means no limit.</summary>
    public int Limit { get; init; }

    /// <summary>Also read the daily archive files under <c>.fastband/agent_ops/archive/</c>.</summary>
    public bool IncludeArchive { get; init; }

    /// <summary>The limit the CLI applies unless told otherwise (it says on stderr how many more there are).</summary>
    public const int DefaultLimit = 100;

    internal bool Matches(OpsLogEntry e) =>
        (Since is null || e.Timestamp >= Since)
        && (Until is null || e.Timestamp <= Until)
        && (Agent is null || string.Equals(e.Agent, Agent, StringComparison.OrdinalIgnoreCase))
        && (EventTypes is null || EventTypes.Count == 0 || EventTypes.Contains(e.EventType))
        && (TicketId is null || e.TicketId == TicketId)
        && (AfterId is null || e.Id > AfterId);
}
