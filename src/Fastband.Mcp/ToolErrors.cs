using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fastband.Core;
using ModelContextProtocol.Protocol;

namespace Fastband.Mcp;

/// <summary>
/// Turns outcomes and failures into tool results. The exit codes are the CLI's (src/Fastband.Cli ExitCodes.For;
/// a test holds the two tables together), so a model that learnt one front end reads the other.
/// </summary>
public static class ToolErrors
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
    public const int Blocked = 3;
    public const int NotFound = 4;

    public static int ExitCodeFor(FailureKind kind) => kind switch
    {
        FailureKind.InvalidInput => BadUsage,
        FailureKind.Blocked => Blocked,
        FailureKind.NotFound => NotFound,
        _ => Failed,
    };

    /// <summary>
    /// The structured content: the value as --json writes it. A list is wrapped as <c>{"items": [...]}</c>, because
    /// MCP structured content is a JSON object; a non-zero exit code is added as <c>exitCode</c> beside the value's
    /// own properties (a refused lock: its conflicts, and exitCode 3).
    /// </summary>
    public static CallToolResult Result(ToolOutcome outcome)
    {
        JsonObject content = outcome.Value switch
        {
            null => new JsonObject(),
            string s => new JsonObject { ["message"] = s },
            IEnumerable list and not IDictionary => new JsonObject { ["items"] = JsonNode.Parse(FastbandJson.Serialize(list, indented: false)) },
            var v => JsonNode.Parse(FastbandJson.Serialize(v, indented: false)) as JsonObject ?? new JsonObject { ["value"] = JsonNode.Parse(FastbandJson.Serialize(v, indented: false)) },
        };
        if (outcome.ExitCode != Ok) content["exitCode"] = outcome.ExitCode;
        return Make(outcome.Text, content, isError: outcome.ExitCode != Ok);
    }

    /// <summary>A failure Core reported on purpose: <c>error.id</c>, <c>error.message</c> (its one sentence) and the CLI's exit code.</summary>
    public static CallToolResult Failure(FastbandException e) => Error(e.ErrorId, e.Message, ExitCodeFor(e.Kind));

    /// <summary>Anything Core did not classify (I/O, a database error): exit code 1, one line, no stack trace.</summary>
    public static CallToolResult Unexpected(Exception e)
    {
        string detail = e is IOException or UnauthorizedAccessException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        return Error("Unexpected", detail.ReplaceLineEndings(" "), Failed);
    }

    public static CallToolResult Error(string id, string message, int exitCode, JsonObject? more = null)
    {
        var content = new JsonObject
        {
            ["error"] = new JsonObject { ["id"] = id, ["message"] = message },
            ["exitCode"] = exitCode,
        };
        if (more is not null)
            foreach (var (key, value) in more.ToArray())
            {
                more.Remove(key);
                content[key] = value;
            }
        return Make(message, content, isError: true);
    }

    private static CallToolResult Make(string text, JsonObject content, bool isError) => new()
    {
        Content = new List<ContentBlock> { new TextContentBlock { Text = text.Length > 0 ? text : "Done." } },
        StructuredContent = JsonSerializer.SerializeToElement(content),
        IsError = isError,
    };
}
