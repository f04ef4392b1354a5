using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

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
            TypeInfoResolver = Resolver(),
        };
        // One generic converter per enum Fastband writes (the non-generic factory needs run-time code generation).
        foreach (var converter in EnumConverters()) options.Converters.Add(converter);
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The enums <see cref="Options"/> writes as camelCase names (a test checks every enum a result holds is here).</summary>
    internal static readonly Type[] NamedEnums =
    {
        typeof(FailureKind), typeof(Health.HealthState), typeof(Events.InteractionChoice), typeof(Store.TicketChange),
        typeof(Store.IssueChangeOutcome), typeof(Store.ConnectionOrigin), typeof(DayOfWeek), typeof(System.IO.Compression.CompressionLevel),
    };

    private static IEnumerable<JsonConverter> EnumConverters()
    {
        yield return new JsonStringEnumConverter<FailureKind>(JsonNamingPolicy.CamelCase);
        yield return new JsonStringEnumConverter<Health.HealthState>(JsonNamingPolicy.CamelCase);
        yield return new JsonStringEnumConverter<Events.InteractionChoice>(JsonNamingPolicy.CamelCase);
        yield return new JsonStringEnumConverter<Store.TicketChange>(JsonNamingPolicy.CamelCase);
        yield return new JsonStringEnumConverter<Store.IssueChangeOutcome>(JsonNamingPolicy.CamelCase);
        yield return new JsonStringEnumConverter<Store.ConnectionOrigin>(JsonNamingPolicy.CamelCase);
        yield return new JsonStringEnumConverter<DayOfWeek>(JsonNamingPolicy.CamelCase);
        yield return new JsonStringEnumConverter<System.IO.Compression.CompressionLevel>(JsonNamingPolicy.CamelCase);
    }

    /// <summary>
    /// The generated code first. A host that allows reflection (pwsh loading the module; not the CLI) also gets the
    /// reflection resolver behind it, for values callers put into metadata that no generated code knows (a PowerShell
    /// hashtable's objects).
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reached only when reflection-based serialization is enabled; the trimmed and AOT-compiled CLI switches it off.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only when reflection-based serialization is enabled; the trimmed and AOT-compiled CLI switches it off.")]
    private static IJsonTypeInfoResolver Resolver() =>
        JsonSerializer.IsReflectionEnabledByDefault
            ? JsonTypeInfoResolver.Combine(FastbandJsonContext.Default, new DefaultJsonTypeInfoResolver())
            : FastbandJsonContext.Default;

    /// <summary>The serialization code for <typeparamref name="T"/> under <see cref="Options"/> (or <see cref="Compact"/>); throws when none was generated.</summary>
    public static JsonTypeInfo<T> Info<T>(bool indented = true) => (JsonTypeInfo<T>)(indented ? Options : Compact).GetTypeInfo(typeof(T));

    public static string Serialize<T>(T value, bool indented = true) => JsonSerializer.Serialize(value, Info<T>(indented));

    /// <summary>Serializes <paramref name="value"/> as the type its serialization code was looked up for.</summary>
    public static string Serialize(object? value, JsonTypeInfo info) => JsonSerializer.Serialize(value, info);

    public static T? Deserialize<T>(string json, bool indented = false) => JsonSerializer.Deserialize(json, Info<T>(indented));

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
