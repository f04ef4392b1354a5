namespace Fastband.Core.Messaging;

/// <summary>One message from one agent to another, as stored.</summary>
public sealed class Message
{
    /// <summary>Unique across the store; what <c>msg ack</c> and Confirm-FastbandMessage take.</summary>
    public long Id { get; init; }

    /// <summary>1, 2, 3, ... per recipient, with no gap: a recipient can tell that it has seen everything.</summary>
    public long Seq { get; init; }

    public string Recipient { get; init; } = "";
    public string Sender { get; init; } = "";

    /// <summary>One of <see cref="MessageKind.All"/>.</summary>
    public string Kind { get; init; } = MessageKind.Info;

    /// <summary>Groups a conversation (a handoff request and its answer), if the sender named one.</summary>
    public string? Thread { get; init; }

    public string Body { get; init; } = "";
    public DateTimeOffset SentAt { get; init; }

    /// <summary>When the recipient acknowledged it; null while unread.</summary>
    public DateTimeOffset? AckedAt { get; init; }

    public bool IsAcknowledged => AckedAt is not null;

    /// <summary><c>#seq [sender][YYYY-MM-DD HH:MM:SS] kind [thread T] body</c>, the time in UTC.</summary>
    public string Formatted =>
        $"#{Seq} [{Sender}][{TimeSpec.Display(SentAt)}] {Kind}{(Thread is null ? "" : $" [thread {Thread}]")} {Body}";

    public override string ToString() => Formatted;
}

/// <summary>What a sender supplies; the store adds the id, the per-recipient sequence number and the time.</summary>
public sealed record NewMessage(string Recipient, string Sender, string Kind, string? Thread, string Body);

/// <summary>The kinds of message. Anything else is refused.</summary>
public static class MessageKind
{
    public const string Info = "info";
    public const string HandoffRequest = "handoff_request";
    public const string HandoffGranted = "handoff_granted";
    public const string HandoffDeclined = "handoff_declined";
    public const string Status = "status";
    public const string Question = "question";
    public const string Answer = "answer";
    public const string LockBroken = "lock_broken";

    public static readonly Vocabulary Names = new("message kind", "InvalidMessageKind",
        Info, HandoffRequest, HandoffGranted, HandoffDeclined, Status, Question, Answer, LockBroken);

    public static IReadOnlyList<string> All => Names.All;

    /// <summary>Returns the canonical name (default <c>info</c>), or throws with the list of valid ones.</summary>
    public static string Normalize(string? kind) => string.IsNullOrWhiteSpace(kind) ? Info : Names.Normalize(kind);
}

/// <summary>What acknowledging did. Acknowledging twice is harmless: the second time lists the id as already acknowledged.</summary>
public sealed class MessageAckResult
{
    public string Agent { get; init; } = "";

    /// <summary>Ids acknowledged by this call.</summary>
    public IReadOnlyList<long> Acknowledged { get; init; } = Array.Empty<long>();

    /// <summary>Ids that were acknowledged before.</summary>
    public IReadOnlyList<long> AlreadyAcknowledged { get; init; } = Array.Empty<long>();

    /// <summary>
    /// Ids that are not the agent's messages (another agent's, or none at all). When any id is refused the
    /// store acknowledges nothing, so a mistyped id never half-applies a call.
    /// </summary>
    public IReadOnlyList<long> Refused { get; init; } = Array.Empty<long>();

    /// <summary>The highest sequence number up to which every message of the agent is acknowledged.</summary>
    public long Cursor { get; init; }

    public override string ToString() =>
        $"{Acknowledged.Count} acknowledged, {AlreadyAcknowledged.Count} already acknowledged; read up to #{Cursor}";
}
