namespace Fastband.Core.Locks;

/// <summary>Exclusive (one holder) or shared (many shared holders, no exclusive one).</summary>
public static class LockMode
{
    public const string Exclusive = "exclusive";
    public const string Shared = "shared";

    public static bool Compatible(string a, string b) => a == Shared && b == Shared;
}

/// <summary>A granted lock. It lasts until it expires, is renewed, released or broken, or its tied process dies.</summary>
public sealed class Lease
{
    public string LeaseId { get; init; } = "";

    /// <summary>Strictly increasing across all grants: a holder shows it to whatever it writes to, which refuses older tokens.</summary>
    public long FencingToken { get; init; }
    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();
    public string Mode { get; init; } = LockMode.Exclusive;
    public string Agent { get; init; } = "";
    public string? SessionId { get; init; }
    public string Host { get; init; } = "";

    /// <summary>The process the lease is tied to (it ends when that process dies), or null: the TTL alone ends it.</summary>
    public int? ProcessId { get; init; }
    public DateTimeOffset? ProcessStartedAt { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset AcquiredAt { get; init; }
    public DateTimeOffset RenewedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }

    public override string ToString() => $"{LeaseId} ({Mode}) {string.Join(", ", Resources)} by {Agent}, token {FencingToken}, until {TimeSpec.Display(ExpiresAt)} UTC";
}

/// <summary>Who stands in the way of a request, and since and until when.</summary>
public sealed class LockConflict
{
    /// <summary>What was asked for.</summary>
    public string Requested { get; init; } = "";

    /// <summary>What the other party holds or waits for.</summary>
    public string HeldResource { get; init; } = "";
    public string Agent { get; init; } = "";
    public string? LeaseId { get; init; }
    public string Mode { get; init; } = "";
    public DateTimeOffset Since { get; init; }
    public DateTimeOffset? Until { get; init; }

    /// <summary>True when the other party is a waiter queued earlier, not a holder.</summary>
    public bool Queued { get; init; }

    public override string ToString() =>
        Queued ? $"{Requested}: {Agent} has waited for {HeldResource} since {TimeSpec.Display(Since)} UTC"
               : $"{Requested}: held by {Agent} ({HeldResource}, lease {LeaseId}) since {TimeSpec.Display(Since)} UTC until {(Until is { } u ? TimeSpec.Display(u) : "?")} UTC";
}

/// <summary>The answer to an acquire: the lease, or what refused it.</summary>
public sealed class LockResult
{
    public bool Granted => Lease is not null;
    public Lease? Lease { get; init; }

    /// <summary>True when the caller already held all of it and got its own lease back.</summary>
    public bool AlreadyHeld { get; init; }
    public IReadOnlyList<LockConflict> Conflicts { get; init; } = Array.Empty<LockConflict>();

    /// <summary>Leases found stale and reclaimed while serving this request.</summary>
    public IReadOnlyList<ReclaimedLease> Reclaimed { get; init; } = Array.Empty<ReclaimedLease>();
    public TimeSpan Waited { get; init; }
    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>A lease removed because it expired or its process died.</summary>
public sealed class ReclaimedLease
{
    public Lease Lease { get; init; } = new();

    /// <summary><c>expired</c> or <c>process-dead</c>.</summary>
    public string Why { get; init; } = "";

    public override string ToString() => $"{Lease.LeaseId} of {Lease.Agent} ({string.Join(", ", Lease.Resources)}): {Why}";
}

/// <summary>Someone queued for a lock.</summary>
public sealed class LockWaiter
{
    /// <summary>The place in the queue: arrival order, never reused (stored as lock_waiters.ticket; not the work ticket).</summary>
    public long QueueNumber { get; init; }
    public string Agent { get; init; } = "";
    public string? SessionId { get; init; }
    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();
    public string Mode { get; init; } = LockMode.Exclusive;
    public string Host { get; init; } = "";
    public int ProcessId { get; init; }
    public DateTimeOffset? ProcessStartedAt { get; init; }
    public DateTimeOffset EnqueuedAt { get; init; }
    public DateTimeOffset SeenAt { get; init; }
}

/// <summary>The locks held and the queue, for <c>lock list</c>.</summary>
public sealed class LockListing
{
    public IReadOnlyList<Lease> Leases { get; init; } = Array.Empty<Lease>();
    public IReadOnlyList<LockWaiter> Waiters { get; init; } = Array.Empty<LockWaiter>();
}

/// <summary>Whether a fencing token may still be acted on.</summary>
public sealed class TokenValidation
{
    public string LeaseId { get; init; } = "";
    public long FencingToken { get; init; }
    public bool Valid { get; init; }
    public string Reason { get; init; } = "";

    public override string ToString() => Reason;
}

/// <summary>What a release did.</summary>
public sealed class ReleaseResult
{
    public IReadOnlyList<string> ReleasedLeaseIds { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();

    /// <summary>False when there was nothing left to release (releasing twice is harmless).</summary>
    public bool Released => Resources.Count > 0;
    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>What a break did: the leases taken from their holders.</summary>
public sealed class BreakResult
{
    public IReadOnlyList<Lease> Broken { get; init; } = Array.Empty<Lease>();
    public string Reason { get; init; } = "";

    /// <summary>The token the broken resources now require a holder to exceed.</summary>
    public long NewFencingToken { get; init; }
    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>One line of lock history (acquired, released, renewed, refused, reclaimed, broken).</summary>
public sealed class LockEvent
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public string Action { get; init; } = "";
    public string? LeaseId { get; init; }
    public string Agent { get; init; } = "";
    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();
    public long? FencingToken { get; init; }
    public string? Detail { get; init; }

    public override string ToString() => $"[{TimeSpec.Display(At)}] {Agent} {Action} {string.Join(", ", Resources)}{(Detail is null ? "" : ": " + Detail)}";
}
