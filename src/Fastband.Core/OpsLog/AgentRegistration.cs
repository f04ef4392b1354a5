namespace Fastband.Core.OpsLog;

/// <summary>What the store knows of one agent: where it runs, when it was last seen, what it works on.</summary>
public sealed class AgentRegistration
{
    public string Name { get; init; } = "";
    public string Host { get; init; } = "";
    public int ProcessId { get; init; }
    public DateTimeOffset? ProcessStartedAt { get; init; }
    public DateTimeOffset RegisteredAt { get; init; }
    public DateTimeOffset LastSeenAt { get; init; }
    public string? CurrentTicket { get; init; }

    /// <summary>Seen within the active window (2 h unless configured otherwise).</summary>
    public bool IsActive { get; init; }

    /// <summary><c>working</c> (active, on a ticket), <c>idle</c> (active, no ticket) or <c>inactive</c>.</summary>
    public string Status => !IsActive ? "inactive" : CurrentTicket is null ? "idle" : "working";

    public AgentRegistration WithActivity(DateTimeOffset now, TimeSpan activeWindow) => new()
    {
        Name = Name, Host = Host, ProcessId = ProcessId, ProcessStartedAt = ProcessStartedAt,
        RegisteredAt = RegisteredAt, LastSeenAt = LastSeenAt, CurrentTicket = CurrentTicket,
        IsActive = now - LastSeenAt <= activeWindow,
    };

    public override string ToString() => $"{Name} ({Status})";
}

/// <summary>The answer to "is anyone else on this ticket?".</summary>
public sealed class TicketConflict
{
    public string TicketId { get; init; } = "";
    public string Agent { get; init; } = "";
    public bool HasConflict => ConflictingAgents.Count > 0;
    public IReadOnlyList<string> ConflictingAgents { get; init; } = Array.Empty<string>();
    public string Recommendation { get; init; } = "";
}

/// <summary>A clearance request as posted, and who was told.</summary>
public sealed class ClearanceRequest
{
    public OpsLogEntry Entry { get; init; } = new();
    public IReadOnlyList<string> Tickets { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> NotifiedAgents { get; init; } = Array.Empty<string>();
    public int NotifiedCount => NotifiedAgents.Count;
    public string Message { get; init; } = "";
}
