using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fastband.Core;

/// <summary>
/// The one JSON convention: camelCase property names (the PowerShell property names, first letter lowered),
/// ISO 8601 timestamps with offset, nulls written out so every object has the same shape.
/// </summary>
public static class FastbandJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: true);
    public static readonly JsonSerializerOptions Compact = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            WriteIndented = indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value, bool indented = true) =>
        JsonSerializer.Serialize(value, indented ? Options : Compact);

    /// <summary>Parses a JSON object into plain .NET values: string, long, double, bool, null, object?[] and dictionaries.</summary>
    public static IReadOnlyDictionary<string, object?> ParseObject(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return Fastband.Core.OpsLog.OpsLogEntry.EmptyMetadata;
        using var doc = JsonDocument.Parse(json);
        return ToDictionary(doc.RootElement);
    }

    public static Dictionary<string, object?> ToDictionary(JsonElement element)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (element.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in element.EnumerateObject()) result[p.Name] = ToPlain(p.Value);
        return result;
    }

    public static object? ToPlain(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(ToPlain).ToArray(),
        JsonValueKind.Object => ToDictionary(e),
        _ => null,
    };

    /// <summary>Reads a metadata value as a list of strings (a JSON array, or a comma-separated string).</summary>
    public static IReadOnlyList<string> StringList(IReadOnlyDictionary<string, object?> metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var value) || value is null) return Array.Empty<string>();
        IEnumerable<string?> items = value switch
        {
            string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            IEnumerable<object?> list => list.Select(o => o?.ToString()),
            _ => new[] { value.ToString() },
        };
        return items.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!).ToArray();
    }
}
