namespace Fastband.Core.Leader;

/// <summary>What an agent's heartbeat says it is: the orchestrator (the usual first leader) or a worker agent.</summary>
public static class HeartbeatRole
{
    public const string Orchestrator = "orchestrator";
    public const string Agent = "agent";

    public static readonly Vocabulary Names = new("heartbeat role", "InvalidRole", Orchestrator, Agent);

    public static IReadOnlyList<string> All => Names.All;

    public static string? Normalize(string? role) => role is null ? null : Names.Normalize(role);
}

/// <summary>The last heartbeat of one agent.</summary>
public sealed class Heartbeat
{
    public string Agent { get; init; } = "";
    public string Role { get; init; } = HeartbeatRole.Agent;
    public string Host { get; init; } = "";
    public int ProcessId { get; init; }

    /// <summary>When this run of heartbeats began (the first beat, or the first after the agent was silent for longer than T).</summary>
    public DateTimeOffset FirstBeatAt { get; init; }
    public DateTimeOffset LastBeatAt { get; init; }
    public long Beats { get; init; }

    public override string ToString() => $"{Agent} ({Role}) on {Host}, last beat {TimeSpec.Display(LastBeatAt)} UTC";
}

/// <summary>What a heartbeat did: the beat recorded and, for the leader, its renewed lease.</summary>
public sealed class HeartbeatResult
{
    public string Agent { get; init; } = "";
    public string Role { get; init; } = "";
    public string Host { get; init; } = "";
    public DateTimeOffset BeatAt { get; init; }
    public long Beats { get; init; }

    /// <summary>True when the caller is the live leader; its lease now lasts until <see cref="LeaseExpiresAt"/>.</summary>
    public bool IsLeader { get; init; }
    public long? Term { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>True for <c>heartbeat --stop</c>: the agent left and its heartbeat was removed.</summary>
    public bool Stopped { get; init; }
    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>One term of leadership: who won it, with which lease, and how it ended.</summary>
public sealed class LeaderTerm
{
    /// <summary>1, 2, 3, ... with no gap and never reused: every leader action carries it.</summary>
    public long Term { get; init; }
    public string Agent { get; init; } = "";
    public string Host { get; init; } = "";
    public string LeaseId { get; init; } = "";

    /// <summary>The fencing token of the leader's lease, for writes that check tokens rather than terms.</summary>
    public long FencingToken { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary><c>resigned</c>, <c>lapsed</c> (no heartbeat for longer than T), or <c>broken</c>; null while it lasts.</summary>
    public string? EndReason { get; init; }

    public override string ToString() => $"term {Term}: {Agent} since {TimeSpec.Display(StartedAt)} UTC" + (EndReason is null ? "" : $", {EndReason} at {TimeSpec.Display(EndedAt!.Value)} UTC");
}

/// <summary>Who leads, since when, in which term, and how fresh its heartbeat is.</summary>
public sealed class LeaderStatus
{
    /// <summary>True when a leader holds a live lease.</summary>
    public bool HasLeader { get; init; }

    /// <summary>The live leader, or (when <see cref="HasLeader"/> is false) the last one, or null if nobody ever led.</summary>
    public string? Leader { get; init; }
    public long Term { get; init; }
    public string? Host { get; init; }
    public DateTimeOffset? TermStartedAt { get; init; }
    public DateTimeOffset? LastHeartbeatAt { get; init; }

    /// <summary>Seconds since the leader's last heartbeat (null without one).</summary>
    public double? HeartbeatAgeSeconds { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public string? LeaseId { get; init; }
    public long? FencingToken { get; init; }

    /// <summary>T, in seconds: leader.heartbeatTimeout.</summary>
    public double HeartbeatTimeoutSeconds { get; init; }

    /// <summary>For a campaign: true when this call started the term (false when the caller already led).</summary>
    public bool Elected { get; init; }
    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>Whether an action carrying a term may still act as the leader.</summary>
public sealed class LeaderCheck
{
    public string Agent { get; init; } = "";
    public long Term { get; init; }
    public bool Valid { get; init; }
    public long CurrentTerm { get; init; }
    public string? CurrentLeader { get; init; }
    public string Reason { get; init; } = "";

    public override string ToString() => Reason;
}
