using System.Text.Json;

namespace Fastband.Core.Hooks;

/// <summary>
/// One tool call an agent is about to make, as its hook receives it on stdin: Claude Code's PreToolUse payload
/// (<c>tool_name</c>, <c>tool_input</c>, <c>cwd</c>, <c>session_id</c>, <c>hook_event_name</c>). Only the fields
/// a decision needs are kept; the file contents in the payload are never read into memory twice or logged.
/// </summary>
public sealed class ToolCall
{
    /// <summary>The payload may carry a whole file (Write's content): a hook refuses anything larger rather than buffer it all.</summary>
    public const int MaxPayloadBytes = 64 * 1024 * 1024;

    public string ToolName { get; init; } = "";

    /// <summary>The files the call would change, as the payload names them (absolute, or relative to <see cref="Cwd"/>).</summary>
    public IReadOnlyList<string> Paths { get; init; } = Array.Empty<string>();

    /// <summary>The agent's working folder, when the payload gives it.</summary>
    public string? Cwd { get; init; }

    public string? SessionId { get; init; }
    public string? HookEventName { get; init; }

    // The fields of tool_input that name the file a tool changes: Edit, Write and MultiEdit use file_path,
    // NotebookEdit notebook_path; other tools (MCP file servers, for one) often say path.
    private static readonly string[] PathFields = { "file_path", "notebook_path", "path" };

    /// <summary>Reads a payload, or refuses it in one sentence (InvalidInput): not JSON, not an object, no tool_name.</summary>
    public static ToolCall Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            throw new InvalidInputException("HookInputEmpty", "The hook got nothing on stdin: the agent tool passes its call as JSON there (Claude Code's PreToolUse payload with tool_name and tool_input).");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("HookInputInvalid", $"The hook's stdin is not valid JSON ({e.Message.TrimEnd('.')}): it expects the tool call as one JSON object with tool_name and tool_input.");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidInputException("HookInputInvalid", $"The hook's stdin is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object: it expects the tool call as one object with tool_name and tool_input.");
            string? tool = Text(root, "tool_name");
            if (string.IsNullOrWhiteSpace(tool))
                throw new InvalidInputException("HookInputInvalid", "The hook's stdin has no tool_name: it expects Claude Code's PreToolUse payload (tool_name, tool_input); is the hook registered for another event?");
            var paths = new List<string>();
            if (root.TryGetProperty("tool_input", out var input) && input.ValueKind == JsonValueKind.Object)
            {
                foreach (string field in PathFields)
                    if (Text(input, field) is { Length: > 0 } p && !paths.Contains(p, StringComparer.Ordinal)) paths.Add(p);
            }
            return new ToolCall
            {
                ToolName = tool.Trim(),
                Paths = paths,
                Cwd = Text(root, "cwd"),
                SessionId = Text(root, "session_id"),
                HookEventName = Text(root, "hook_event_name"),
            };
        }
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
