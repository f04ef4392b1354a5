using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fastband.Core.Sessions;

/// <summary>
/// A session's whole state (seed 004's schema): the conversation, the agents' working contexts, task progress
/// and the current task. The JSON parts are kept as the JSON text given, and written as JSON (not as strings)
/// in the CLI's --json output, so that <c>session show --json</c> can be fed back to <c>session save --file</c>.
/// </summary>
public sealed class SessionState
{
    public string SessionId { get; init; } = "";

    /// <summary>The agent that saved it last.</summary>
    public string? Agent { get; init; }

    /// <summary>A JSON array: the conversation's messages.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public string ConversationHistory { get; init; } = "[]";

    /// <summary>
    /// The conversation's UTF-8 bytes when the caller has them already (a save encodes once to check the JSON): the
    /// store keeps these bytes as they are. Null: the store encodes <see cref="ConversationHistory"/>.
    /// </summary>
    [JsonIgnore]
    internal byte[]? ConversationUtf8 { get; init; }

    /// <summary>A JSON object (or null): each agent's working memory.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public string? AgentContexts { get; init; }

    /// <summary>A JSON object (or null): the state of the tasks in progress.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    public string? TaskProgress { get; init; }
    public string? CurrentTask { get; init; }

    /// <summary>How many messages the conversation holds.</summary>
    public int MessageCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public override string ToString() => $"{SessionId}: {MessageCount} messages" + (CurrentTask is null ? "" : $", on {CurrentTask}");
}

/// <summary>A saved session without its contents, for listings and as what a save returns.</summary>
public sealed class SessionSummary
{
    public string SessionId { get; init; } = "";
    public string? Agent { get; init; }
    public string? CurrentTask { get; init; }
    public int MessageCount { get; init; }

    /// <summary>The size of the JSON parts together, in bytes (UTF-8).</summary>
    public long SizeBytes { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public override string ToString() => $"{SessionId}: {MessageCount} messages, {SizeBytes:N0} bytes" + (CurrentTask is null ? "" : $", on {CurrentTask}");
}

/// <summary>What to save. The JSON parts are text; they are checked before anything is written.</summary>
public sealed record SessionInput
{
    public string? SessionId { get; init; }
    public string? ConversationHistory { get; init; }
    public string? AgentContexts { get; init; }
    public string? TaskProgress { get; init; }
    public string? CurrentTask { get; init; }
}

/// <summary>Writes a string that holds JSON as that JSON, and reads any JSON value back as its text.</summary>
public sealed class RawJsonConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        using var doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteRawValue(value, skipInputValidation: true); // validated when it was saved
    }
}
