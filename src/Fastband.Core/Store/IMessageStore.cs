using Fastband.Core.Board;
using Fastband.Core.Messaging;

namespace Fastband.Core.Store;

/// <summary>Messages between agents, numbered 1, 2, 3, ... per recipient.</summary>
public interface IMessageStore
{
    /// <summary>
    /// Appends one message atomically. Inside the write transaction the store assigns the id, the
    /// recipient's next sequence number (its highest so far plus one) and the time, which never goes
    /// backwards as the sequence number goes up.
    /// </summary>
    Message Send(NewMessage message);

    /// <summary>The recipient's unacknowledged messages, oldest (lowest seq) first; at most <paramref name="limit"/> (0: all).</summary>
    IReadOnlyList<Message> ReadUnread(string recipient, int limit);

    /// <summary>
    /// Reads the recipient's oldest unacknowledged messages and acknowledges them in the same write
    /// transaction, so two readers of one recipient never both take a message.
    /// </summary>
    IReadOnlyList<Message> TakeUnread(string recipient, int limit, DateTimeOffset now);

    /// <summary>The recipient's messages, acknowledged or not, oldest first; at most the newest <paramref name="limit"/> (0: all).</summary>
    IReadOnlyList<Message> ReadAll(string recipient, int limit);

    /// <summary>
    /// Acknowledges the recipient's messages by id. Ids that are not the recipient's (or do not exist) are
    /// reported as refused, and then nothing is acknowledged; acknowledging twice is harmless.
    /// </summary>
    MessageAckResult Ack(string recipient, IReadOnlyCollection<long> ids, DateTimeOffset now);

    /// <summary>The highest seq such that every message of the recipient up to it is acknowledged (0 if none).</summary>
    long Cursor(string recipient);
}

/// <summary>What each agent says it is doing, for the status board.</summary>
public interface IStatusStore
{
    /// <summary>
    /// Creates or replaces the agent's status and, when <paramref name="touch"/> is given, records the
    /// agent's presence in the same transaction.
    /// </summary>
    AgentWorkStatus Set(string agent, string status, IReadOnlyList<string> files, string? ticketId, string? note, DateTimeOffset now, AgentTouch? touch = null);

    /// <summary>Every status, most recently updated first.</summary>
    IReadOnlyList<AgentWorkStatus> List();
}
