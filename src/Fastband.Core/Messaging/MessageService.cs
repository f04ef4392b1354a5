using Fastband.Core.OpsLog;
using Fastband.Core.Store;

namespace Fastband.Core.Messaging;

/// <summary>
/// Messages between registered agents. Each recipient's messages are numbered 1, 2, 3, ... with no gap;
/// a message stays unread until its recipient acknowledges it, so nothing is missed, and an acknowledged
/// message is never shown as unread again, so nothing is read twice.
/// </summary>
public sealed class MessageService
{
    public const int MaxBodyLength = 8000;
    public const int MaxThreadLength = 128;

    /// <summary>How many messages one read returns unless told otherwise; the rest come with the next read.</summary>
    public const int DefaultLimit = 100;

    private readonly IMessageStore _messages;
    private readonly IAgentStore _agents;
    private readonly CallerIdentity _caller;
    private readonly TimeProvider _clock;

    internal MessageService(IMessageStore messages, IAgentStore agents, CallerIdentity caller, TimeProvider clock)
    {
        _messages = messages;
        _agents = agents;
        _caller = caller;
        _clock = clock;
    }

    /// <summary>Sends a message from the caller to a registered agent. Nothing is written if any argument is invalid.</summary>
    public Message Send(string to, string body, string? kind = null, string? thread = null)
    {
        if (string.IsNullOrWhiteSpace(to))
            throw new InvalidInputException("NoRecipient", "Name the agent to send to with --to (or -To).");
        string recipient = to.Trim();
        AgentName.Validate(recipient);
        string k = MessageKind.Normalize(kind);
        string text = ValidateBody(body);
        string? t = NormalizeThread(thread);
        var agent = _agents.Get(recipient) ?? throw UnknownRecipient(recipient);
        return _messages.Send(new NewMessage(agent.Name, _caller.Agent, k, t, text));
    }

    /// <summary>
    /// The caller's messages, oldest first: the unacknowledged ones, or with <paramref name="all"/> every one.
    /// With <paramref name="ack"/> the unread ones returned are acknowledged in the same transaction.
    /// </summary>
    public IReadOnlyList<Message> Read(bool all = false, bool ack = false, int limit = DefaultLimit)
    {
        if (limit < 0) throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.");
        string me = _caller.Agent;
        if (!all)
            return ack ? _messages.TakeUnread(me, limit, _clock.GetUtcNow()) : _messages.ReadUnread(me, limit);
        if (ack) _messages.TakeUnread(me, 0, _clock.GetUtcNow());
        return _messages.ReadAll(me, limit);
    }

    /// <summary>How many of the caller's messages are not acknowledged yet.</summary>
    public int UnreadCount() => _messages.ReadUnread(_caller.Agent, 0).Count;

    /// <summary>Acknowledges the caller's messages by id; an id that is not the caller's is refused and then nothing is acknowledged.</summary>
    public MessageAckResult Ack(IEnumerable<long> ids)
    {
        var list = (ids ?? Array.Empty<long>()).Distinct().ToArray();
        if (list.Length == 0)
            throw new InvalidInputException("NoMessageId", "Name the messages to acknowledge by id: see them with 'fastband msg read'.");
        var result = _messages.Ack(_caller.Agent, list, _clock.GetUtcNow());
        if (result.Refused.Count > 0)
            throw new NotFoundException("MessageNotFound",
                $"{(result.Refused.Count == 1 ? "Message" : "Messages")} {string.Join(", ", result.Refused)} {(result.Refused.Count == 1 ? "is" : "are")} not addressed to {_caller.Agent}, so nothing was acknowledged: list your messages with 'fastband msg read --all' and acknowledge only those ids.");
        return result;
    }

    /// <summary>The highest sequence number up to which every message of the caller is acknowledged.</summary>
    public long Cursor() => _messages.Cursor(_caller.Agent);

    private NotFoundException UnknownRecipient(string recipient)
    {
        var known = _agents.List().Select(a => a.Name).Take(20).ToArray();
        string hint = known.Length == 0
            ? "no agent has registered yet; an agent registers with 'fastband agents register' (Register-FastbandAgent)"
            : $"the registered agents are {string.Join(", ", known)}; an agent registers with 'fastband agents register'";
        return new NotFoundException("AgentNotFound", $"No agent named '{recipient}' has registered, so the message was not sent: {hint}.");
    }

    internal static string ValidateBody(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
            throw new InvalidInputException("EmptyMessage", "The message is empty: say what you need in a few words.");
        if (body.Length > MaxBodyLength)
            throw new InvalidInputException("MessageTooLong", $"The message is {body.Length} characters long: keep it under {MaxBodyLength} and point to a file for detail.");
        return body.Trim();
    }

    internal static string? NormalizeThread(string? thread)
    {
        if (string.IsNullOrWhiteSpace(thread)) return null;
        string t = thread.Trim();
        if (t.Length > MaxThreadLength || t.Any(char.IsControl))
            throw new InvalidInputException("InvalidThread", $"'{thread}' is not a usable thread name: use up to {MaxThreadLength} characters without control characters, such as handoff-1205.");
        return t;
    }
}
