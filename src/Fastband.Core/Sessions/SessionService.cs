using System.Text;
using System.Text.Json;
using Fastband.Core.Store;

namespace Fastband.Core.Sessions;

/// <summary>
/// Saves and restores a session's state (seed 004): the conversation (a JSON array), the agents' contexts and
/// the task progress (JSON objects), and the current task. Every part is checked before anything is written,
/// so a malformed input is refused with the reason and leaves the saved state as it was.
/// </summary>
public sealed class SessionService
{
    public const int MaxSessionIdLength = 128;
    public const int MaxTaskLength = 256;

    /// <summary>Larger parts are refused: the store keeps each part in the session's row.</summary>
    public const int MaxPartBytes = 256 * 1024 * 1024;

    private readonly ISessionStore _sessions;
    private readonly CallerIdentity _caller;
    private readonly TimeProvider _clock;
    private readonly string? _defaultSession;

    internal SessionService(ISessionStore sessions, CallerIdentity caller, TimeProvider clock, string? defaultSession)
    {
        _sessions = sessions;
        _caller = caller;
        _clock = clock;
        _defaultSession = defaultSession;
    }

    /// <summary>Checks every part, then creates or replaces the session's state in one write transaction.</summary>
    public SessionSummary Save(SessionInput input)
    {
        string id = ResolveId(input.SessionId);
        if (input.ConversationHistory is null)
            throw new InvalidInputException("NoConversation",
                "Give the conversation history (a JSON array of messages, e.g. --conversation FILE or --file FILE): nothing was saved.");
        int messages = CheckJson(input.ConversationHistory, "conversation history", JsonTokenType.StartArray, out byte[] conversationUtf8);
        string? contexts = OptionalObject(input.AgentContexts, "agent contexts");
        string? progress = OptionalObject(input.TaskProgress, "task progress");
        string? task = string.IsNullOrWhiteSpace(input.CurrentTask) ? null : input.CurrentTask.Trim();
        if (task is not null && (task.Length > MaxTaskLength || task.Contains('\n')))
            throw new InvalidInputException("InvalidCurrentTask", $"The current task must be one line of at most {MaxTaskLength} characters: nothing was saved.");
        var now = _clock.GetUtcNow();
        return _sessions.SaveSession(new SessionState
        {
            SessionId = id, Agent = _caller.IsDefaulted ? null : _caller.Agent, ConversationHistory = input.ConversationHistory, ConversationUtf8 = conversationUtf8,
            AgentContexts = contexts, TaskProgress = progress, CurrentTask = task, MessageCount = messages, CreatedAt = now, UpdatedAt = now,
        });
    }

    /// <summary>Puts a state saved elsewhere (with a checkpoint or a snapshot) back as the session's current state.</summary>
    internal SessionSummary Put(SessionState state) =>
        _sessions.SaveSession(new SessionState
        {
            SessionId = state.SessionId, Agent = state.Agent, ConversationHistory = state.ConversationHistory, AgentContexts = state.AgentContexts,
            TaskProgress = state.TaskProgress, CurrentTask = state.CurrentTask, MessageCount = state.MessageCount,
            CreatedAt = state.CreatedAt, UpdatedAt = _clock.GetUtcNow(),
        });

    /// <summary>The whole saved state of a session (default: the caller's, from --session / FASTBAND_SESSION).</summary>
    public SessionState Get(string? sessionId = null)
    {
        string id = ResolveId(sessionId);
        return _sessions.GetSession(id) ?? throw NotFound(id);
    }

    /// <summary>The saved state, or null when the session has none.</summary>
    public SessionState? Find(string sessionId) => _sessions.GetSession(sessionId);

    public IReadOnlyList<SessionSummary> List() => _sessions.ListSessions();

    /// <summary>
    /// What to save: either a whole state document (<paramref name="document"/>, read with <see cref="ParseDocument"/>)
    /// or its parts, never both; a current task or a session id given beside a document overrides the document's.
    /// </summary>
    public static SessionInput Compose(string? sessionId, string? document, string documentSource, SessionInput parts)
    {
        SessionInput input;
        if (document is not null)
        {
            if (parts.ConversationHistory is not null || parts.AgentContexts is not null || parts.TaskProgress is not null)
                throw new InvalidInputException("ConflictingInputs",
                    "Give either a whole state document (--file, -Document) or its parts (conversation, contexts, progress), not both: nothing was saved.");
            input = ParseDocument(document, documentSource);
            if (parts.CurrentTask is { } task) input = input with { CurrentTask = task };
        }
        else
        {
            input = parts;
        }
        return string.IsNullOrWhiteSpace(sessionId) ? input : input with { SessionId = sessionId };
    }

    /// <summary>
    /// Reads a whole state document, the shape <c>session show --json</c> writes
    /// (<c>{"sessionId", "conversationHistory", "agentContexts", "taskProgress", "currentTask"}</c>), into an input.
    /// </summary>
    public static SessionInput ParseDocument(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidInputException("InvalidSessionDocument", $"{source} must hold a JSON object with conversationHistory, agentContexts, taskProgress and currentTask: nothing was saved.");
            string? Raw(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetRawText() : null;
            string? Text(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new SessionInput
            {
                SessionId = Text("sessionId"), ConversationHistory = Raw("conversationHistory"), AgentContexts = Raw("agentContexts"),
                TaskProgress = Raw("taskProgress"), CurrentTask = Text("currentTask"),
            };
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("MalformedJson", $"{source} is not valid JSON ({Position(e)}): nothing was saved.");
        }
    }

    private string ResolveId(string? sessionId)
    {
        string? id = string.IsNullOrWhiteSpace(sessionId) ? _defaultSession : sessionId.Trim();
        if (id is null)
            throw new InvalidInputException("NoSessionId", "Name the session (an argument, -SessionId, or --session / FASTBAND_SESSION).");
        if (id.Length > MaxSessionIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '@'))
            throw new InvalidInputException("InvalidSessionId", $"'{id}' is not a valid session id: use 1 to {MaxSessionIdLength} letters, digits, '_', '-', '.', ':' or '@'.");
        return id;
    }

    private NotFoundException NotFound(string id)
    {
        var known = List().Select(s => s.SessionId).Take(10).ToArray();
        return new NotFoundException("SessionNotFound", $"No session '{id}' has been saved: " +
            (known.Length == 0 ? "save one with 'fastband session save'." : $"the saved ones include {string.Join(", ", known)} ('fastband session list')."));
    }

    private static string? OptionalObject(string? json, string what) =>
        string.IsNullOrWhiteSpace(json) || json.Trim() == "null" ? null : CheckJson(json, what, JsonTokenType.StartObject, out _) >= 0 ? json : null;

    /// <summary>
    /// Checks that <paramref name="json"/> is one well-formed JSON value of the expected kind; returns its element count,
    /// and its UTF-8 bytes (what the store keeps, so it is encoded once).
    /// </summary>
    private static int CheckJson(string json, string what, JsonTokenType expected, out byte[] utf8)
    {
        if (string.IsNullOrWhiteSpace(json))
            throw new InvalidInputException("MalformedJson", $"The {what} is empty: give a JSON {Kind(expected)}; nothing was saved.");
        utf8 = Encoding.UTF8.GetBytes(json);
        if (utf8.Length > MaxPartBytes)
            throw new InvalidInputException("SessionTooLarge", $"The {what} is {utf8.Length:N0} bytes, over the limit of {MaxPartBytes:N0}: nothing was saved.");
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
        int count = 0;
        try
        {
            if (!reader.Read())
                throw new InvalidInputException("MalformedJson", $"The {what} is empty: give a JSON {Kind(expected)}; nothing was saved.");
            if (reader.TokenType != expected)
                throw new InvalidInputException("MalformedJson", $"The {what} must be a JSON {Kind(expected)}, not {Describe(reader.TokenType)}: nothing was saved.");
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.PropertyName)) count++;
            }
            return count;
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("MalformedJson", $"The {what} is not valid JSON ({Position(e)}): nothing was saved.");
        }
    }

    private static string Position(JsonException e)
    {
        string reason = e.Message.Split(" LineNumber:")[0].TrimEnd('.', ' ');
        return e.LineNumber is { } line ? $"{reason}, at line {line + 1}, byte {e.BytePositionInLine + 1}" : reason;
    }

    private static string Kind(JsonTokenType t) => t == JsonTokenType.StartArray ? "array" : "object";

    private static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };
}
