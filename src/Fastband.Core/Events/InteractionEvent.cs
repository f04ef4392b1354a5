using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Fastband.Core.Events;

/// <summary>One event of the interaction log (seed 002): who said what, of which type, in which interaction.</summary>
public sealed class InteractionEvent
{
    /// <summary>Unique and increasing in the order events were stored; 0 while the event waits in the offline queue.</summary>
    public long Id { get; init; }

    /// <summary>The conversation the event belongs to: 1, 2, 3, ...</summary>
    public long Interaction { get; init; }

    public string Actor { get; init; } = "";

    /// <summary>question, answer, followup, heartbeat, error, leader_election, or a type the user named.</summary>
    public string Type { get; init; } = "";

    public string Content { get; init; } = "";

    public DateTimeOffset Timestamp { get; init; }

    /// <summary>True when the store could not be written and the event waits in .fastband/events.offline.log.</summary>
    public bool Queued { get; init; }

    /// <summary><c>#id [interaction N] [actor][YYYY-MM-DD HH:MM:SS] type: content</c>, the time in UTC.</summary>
    public string Formatted =>
        $"{(Queued ? "(queued)" : "#" + Id)} [interaction {Interaction}] [{Actor}][{TimeSpec.Display(Timestamp)}] {Type}: {Content}";

    public override string ToString() => Formatted;

    internal EventNotice ToNotice() => new(Id, Interaction, Actor, Type, Content, Timestamp);
}

/// <summary>Which interaction a new event joins.</summary>
public enum InteractionChoice
{
    /// <summary>The newest interaction (1 when the log is empty).</summary>
    Current,
    /// <summary>A new interaction: the highest number so far plus one.</summary>
    New,
    /// <summary>The number given.</summary>
    Number,
}

/// <summary>
/// An event to store. The store resolves the interaction inside its write transaction; <see cref="Timestamp"/>
/// null means "now" (never before the newest event); <see cref="Uid"/>, when set, makes a second append of the
/// same event a no-op (the offline queue's replay).
/// </summary>
public sealed record NewEvent(InteractionChoice Choice, long Interaction, string Actor, string Type, string Content)
{
    public DateTimeOffset? Timestamp { get; init; }
    public string? Uid { get; init; }

    /// <summary>For imports: the n-th line of a file with these same five fields is occurrence n. Null: counted in the store.</summary>
    public int? Occurrence { get; init; }
}

/// <summary>The event types the seed names. Any other type that fits <see cref="Normalize"/>'s shape is allowed too.</summary>
public static partial class EventType
{
    public const string Question = "question";
    public const string Answer = "answer";
    public const string Followup = "followup";
    public const string Heartbeat = "heartbeat";
    public const string Error = "error";
    public const string LeaderElection = "leader_election";

    public static readonly IReadOnlyList<string> Known = new[] { Question, Answer, Followup, Heartbeat, Error, LeaderElection };

    public const int MaxLength = 40;

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex Shape();

    /// <summary>Lower case, '-' read as '_'; the result must be a letter then letters, digits or '_', at most 40.</summary>
    public static bool TryNormalize(string? type, out string normalized)
    {
        normalized = (type ?? "").Trim().Replace('-', '_').ToLowerInvariant();
        return normalized.Length is > 0 and <= MaxLength && Shape().IsMatch(normalized);
    }

    public static string Normalize(string? type) =>
        TryNormalize(type, out var t)
            ? t
            : throw new InvalidInputException("InvalidEventType",
                $"'{type}' is not a usable event type: use {string.Join(", ", Known)}, or a name of your own of up to {MaxLength} letters, digits and '_' starting with a letter (such as review_request).");
}

/// <summary>The seed's five fields as one key: what makes an import idempotent and an export re-importable.</summary>
internal static class EventFingerprint
{
    /// <summary>The seed's timestamp form (seconds, UTC), which is what export writes and import reads.</summary>
    public static string SeedTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Of(long interaction, string actor, string type, string content, DateTimeOffset timestamp)
    {
        string text = string.Join('\u001f', interaction.ToString(CultureInfo.InvariantCulture), actor, type, content, SeedTime(timestamp));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 16);
    }
}

/// <summary>Which events to read. Results come oldest first.</summary>
public sealed record EventQuery
{
    public long? Interaction { get; init; }
    public IReadOnlyList<string>? Types { get; init; }
    public string? Actor { get; init; }
    public long? AfterId { get; init; }

    /// <summary>Only events at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only the newest this many (0: all), still returned oldest first.</summary>
    public int Limit { get; init; }

    /// <summary>Only the oldest this many (0: all); used instead of <see cref="Limit"/> when set.</summary>
    public int First { get; init; }
}

/// <summary>An agent's place in the event log: everything up to <see cref="AckedId"/> is handled.</summary>
public sealed class EventCursor
{
    public string Agent { get; init; } = "";

    /// <summary>The id up to which the agent acknowledged events (0: none).</summary>
    public long AckedId { get; init; }

    /// <summary>The interaction of the acknowledged event, as written to the seed's agent-&lt;id&gt;.checkpoint file (0: none).</summary>
    public long Interaction { get; init; }

    /// <summary>Events after the cursor, still to handle.</summary>
    public long Pending { get; init; }

    /// <summary>The seed-compatible checkpoint file kept in step with the cursor.</summary>
    public string CursorFile { get; init; } = "";

    public override string ToString() => $"{Agent}: acknowledged up to #{AckedId} (interaction {Interaction}), {Pending} pending";
}
