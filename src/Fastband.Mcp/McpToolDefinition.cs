using System.Text.Json;
using System.Text.Json.Nodes;
using Fastband.Core;

namespace Fastband.Mcp;

/// <summary>The JSON type of a tool argument, for the input schema the client shows the model.</summary>
public enum ArgumentType { Text, Flag, Number, TextList, NumberList, Map }

/// <summary>One argument of a tool.</summary>
public sealed record ToolArgument(string Name, ArgumentType Type, string Description, bool Required = false);

/// <summary>What a tool produced: the object its structured content carries (FastbandJson, as --json), a short text, and the CLI's exit code.</summary>
public sealed record ToolOutcome(object? Value, string Text, int ExitCode = ToolErrors.Ok);

/// <summary>
/// One tool: its name, what the model reads about it, its arguments, and the Core call it maps onto.
/// <see cref="Guard"/>, when set, names the ticket the call works on (null: no ticket): the hold filter checks it
/// before the call runs. A tool whose guard returns <see cref="Unguarded"/> for these arguments skips the filter.
/// </summary>
public sealed class McpToolDefinition
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public IReadOnlyList<ToolArgument> Arguments { get; init; } = Array.Empty<ToolArgument>();
    public bool OpsOnly { get; init; }
    public bool ReadOnly { get; init; }
    public Func<ToolArguments, string?>? Guard { get; init; }
    public required Func<ToolContext, ToolArguments, ToolOutcome> Invoke { get; init; }

    /// <summary>True: the call may wait (bounded), so it runs on a project of its own and does not stop other calls.</summary>
    public Func<ToolArguments, bool>? Waits { get; init; }

    /// <summary>A guard's answer meaning "this call changes no shared work state": the filter lets it through.</summary>
    public const string Unguarded = "\0unguarded";

    public JsonElement InputSchema()
    {
        var properties = new JsonObject();
        foreach (var a in Arguments)
        {
            JsonObject schema = a.Type switch
            {
                ArgumentType.Text => new JsonObject { ["type"] = "string" },
                ArgumentType.Flag => new JsonObject { ["type"] = "boolean" },
                ArgumentType.Number => new JsonObject { ["type"] = "integer" },
                ArgumentType.TextList => new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                ArgumentType.NumberList => new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer" } },
                _ => new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
            };
            schema["description"] = a.Description;
            properties[a.Name] = schema;
        }
        var root = new JsonObject { ["type"] = "object", ["properties"] = properties };
        var required = Arguments.Where(a => a.Required).Select(a => (JsonNode)JsonValue.Create(a.Name)!).ToArray();
        if (required.Length > 0) root["required"] = new JsonArray(required);
        return JsonSerializer.SerializeToElement(root);
    }
}

/// <summary>What a tool body gets: the project (the server's own, or a private one for a waiting call) and the server's role.</summary>
public sealed class ToolContext
{
    public required FastbandProject Project { get; init; }
    public required string Role { get; init; }
    public CancellationToken Cancellation { get; init; }
}
