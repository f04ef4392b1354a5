using System.Text.Json;
using Fastband.Core;

namespace Fastband.Mcp;

/// <summary>
/// A tool call's arguments, read by name and type. A wrong type or a missing required argument is the CLI's bad
/// usage (InvalidInputException, exit code 2), named, so the model can correct the call.
/// </summary>
public sealed class ToolArguments
{
    private readonly IReadOnlyDictionary<string, JsonElement> _values;
    private readonly string _tool;

    public ToolArguments(string tool, IReadOnlyDictionary<string, JsonElement>? values)
    {
        _tool = tool;
        _values = values ?? new Dictionary<string, JsonElement>();
    }

    private JsonElement? Get(string name) =>
        _values.TryGetValue(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? v : null;

    private InvalidInputException Wrong(string name, string what) =>
        new("InvalidArgument", $"The argument '{name}' of {_tool} must be {what}.");

    public string? String(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(), // a ticket or id given as a number
            _ => throw Wrong(name, "a string"),
        };
    }

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } s ? s : throw new InvalidInputException("MissingArgument", $"{_tool} needs the argument '{name}'.");

    public bool Bool(string name)
    {
        if (Get(name) is not { } v) return false;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false"),
        };
    }

    public long? Long(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long l)) return l;
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), out l)) return l;
        throw Wrong(name, "a whole number");
    }

    public int? Int(string name)
    {
        long? l = Long(name);
        if (l is null) return null;
        return l is >= int.MinValue and <= int.MaxValue ? (int)l.Value : throw Wrong(name, "a whole number in range");
    }

    /// <summary>A list: a JSON array of strings, or one string (comma-separated, as the CLI's list options take).</summary>
    public string[]? Strings(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String) return new[] { v.GetString()! };
        if (v.ValueKind != JsonValueKind.Array) throw Wrong(name, "an array of strings");
        return v.EnumerateArray().Select(e => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString()!,
            JsonValueKind.Number => e.GetRawText(),
            _ => throw Wrong(name, "an array of strings"),
        }).ToArray();
    }

    public string[] RequiredStrings(string name) =>
        Strings(name) is { Length: > 0 } s ? s : throw new InvalidInputException("MissingArgument", $"{_tool} needs the argument '{name}' (at least one value).");

    public long[] RequiredLongs(string name)
    {
        if (Get(name) is not { } v) throw new InvalidInputException("MissingArgument", $"{_tool} needs the argument '{name}' (at least one id).");
        var items = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().ToArray() : new[] { v };
        var ids = items.Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long l) ? l
            : e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), out l) ? l
            : throw Wrong(name, "an array of whole numbers")).ToArray();
        return ids.Length > 0 ? ids : throw new InvalidInputException("MissingArgument", $"{_tool} needs the argument '{name}' (at least one id).");
    }

    /// <summary>Metadata: a JSON object of values, or "key=value" strings (the CLI's --meta).</summary>
    public string[]? MetadataPairs(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Object)
            return v.EnumerateObject().Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}").ToArray();
        return Strings(name);
    }
}
