namespace Fastband.Core.OpsLog;

/// <summary>The state of the latest rebuild announced for one container.</summary>
public sealed class RebuildStatus
{
    public string Container { get; init; } = "";
    public string? TicketId { get; init; }
    public string RequestedBy { get; init; } = "";
    public DateTimeOffset RequestedAt { get; init; }
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();
    public bool InProgress { get; init; }
    public string? CompletedBy { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>A requested rebuild with no completion past the rebuild timeout is taken as abandoned.</summary>
    public bool TimedOut { get; init; }
    public long RequestEntryId { get; init; }

    public override string ToString() =>
        InProgress ? $"{Container}: rebuilding for #{TicketId} (by {RequestedBy})" : $"{Container}: done";
}

/// <summary>The summary an agent reads before it starts work.</summary>
public sealed class CoordinationStatus
{
    public IReadOnlyList<AgentRegistration> ActiveAgents { get; init; } = Array.Empty<AgentRegistration>();
    public DirectiveStatus Directive { get; init; } = new();
    public IReadOnlyList<RebuildStatus> RebuildsInProgress { get; init; } = Array.Empty<RebuildStatus>();
    public bool RebuildInProgress => RebuildsInProgress.Count > 0;
    public DateTimeOffset GeneratedAt { get; init; }
}

/// <summary>What one archive run moved.</summary>
public sealed class ArchiveResult
{
    public int ArchivedCount { get; init; }

    /// <summary>Entries older than this were moved (never later than the directive window allows).</summary>
    public DateTimeOffset Cutoff { get; init; }
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();
}
