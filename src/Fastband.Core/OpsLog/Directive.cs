namespace Fastband.Core.OpsLog;

/// <summary>A hold, a clearance or the lifting of a hold, read back from the log.</summary>
public sealed class Directive
{
    public const string HoldKind = "hold";
    public const string ClearanceKind = "clearance";
    public const string LiftKind = "lift";

    public long Id { get; init; }

    /// <summary><c>hold</c>, <c>clearance</c> or <c>lift</c>.</summary>
    public string Kind { get; init; } = "";
    public string IssuedBy { get; init; } = "";
    public DateTimeOffset IssuedAt { get; init; }
    public string Reason { get; init; } = "";

    /// <summary>The agents it applies to; empty means every agent.</summary>
    public IReadOnlyList<string> Agents { get; init; } = Array.Empty<string>();

    /// <summary>The tickets it applies to; empty means all work.</summary>
    public IReadOnlyList<string> Tickets { get; init; } = Array.Empty<string>();

    /// <summary>For a lift: the hold it lifts, or null when it lifts every hold.</summary>
    public long? LiftsHoldId { get; init; }

    public bool IsHold => Kind == HoldKind;
    public bool IsClearance => Kind == ClearanceKind;
    public string Formatted { get; init; } = "";

    public override string ToString() => Formatted;
}

/// <summary>The latest directive and the holds still standing.</summary>
public sealed class DirectiveStatus
{
    public bool DirectiveFound => Latest is not null;

    /// <summary>The latest directive is a hold (the seed's is_hold). Whether anyone is blocked is <see cref="HoldInForce"/>.</summary>
    public bool IsHold => Latest?.IsHold == true;
    public bool IsClearance => Latest?.IsClearance == true;

    /// <summary>At least one hold stands, even if a later clearance narrowed it. To know whether a given agent
    /// may work, ask <c>ops check</c> / Test-FastbandCoordination.</summary>
    public bool HoldInForce => ActiveHolds.Count > 0;
    public Directive? Latest { get; init; }

    /// <summary>Holds in the window that no lift has ended (clearances narrow them but do not end them).</summary>
    public IReadOnlyList<Directive> ActiveHolds { get; init; } = Array.Empty<Directive>();

    /// <summary>Clearances issued after at least one active hold.</summary>
    public IReadOnlyList<Directive> Clearances { get; init; } = Array.Empty<Directive>();
    public string Message { get; init; } = "";

    public override string ToString() => Latest?.Formatted ?? Message;
}

/// <summary>The answer to "may this agent work (on this ticket) now?".</summary>
public sealed class WorkPermission
{
    public string Agent { get; init; } = "";
    public string? TicketId { get; init; }
    public bool Allowed { get; init; }
    public bool Blocked => !Allowed;

    /// <summary>One sentence: why the agent may or may not work.</summary>
    public string Reason { get; init; } = "";
    public IReadOnlyList<Directive> BlockingHolds { get; init; } = Array.Empty<Directive>();
    public IReadOnlyList<RebuildStatus> BlockingRebuilds { get; init; } = Array.Empty<RebuildStatus>();
    public DateTimeOffset CheckedAt { get; init; }

    public override string ToString() => Reason;
}
