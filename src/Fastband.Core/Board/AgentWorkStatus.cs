namespace Fastband.Core.Board;

/// <summary>What one agent says it is doing: a status, the files involved and the ticket.</summary>
public sealed class AgentWorkStatus
{
    public string Name { get; init; } = "";

    /// <summary>One of <see cref="WorkStatus.All"/>; null for an active agent that has not set one.</summary>
    public string? Status { get; init; }

    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();
    public string? TicketId { get; init; }
    public string? Note { get; init; }

    /// <summary>When the status was set; null for an agent that has not set one.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Seen within the active window (2 h unless configured otherwise).</summary>
    public bool IsActive { get; init; }

    /// <summary>When the agent was last seen; null if it never registered.</summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    public override string ToString() =>
        $"{Name}: {Status ?? "(no status)"}" + (TicketId is null ? "" : $" on #{TicketId}") + (Files.Count == 0 ? "" : $" [{string.Join(", ", Files)}]");
}

/// <summary>The statuses an agent may set. Anything else is refused.</summary>
public static class WorkStatus
{
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Blocked = "blocked";
    public const string Idle = "idle";
    public const string Reviewing = "reviewing";
    public const string Waiting = "waiting";

    public static readonly Vocabulary Names = new("agent status", "InvalidStatus", InProgress, Completed, Blocked, Idle, Reviewing, Waiting);

    public static IReadOnlyList<string> All => Names.All;

    /// <summary>Returns the canonical name, or throws with the list of valid ones.</summary>
    public static string Normalize(string? status) => Names.Normalize(status);
}
