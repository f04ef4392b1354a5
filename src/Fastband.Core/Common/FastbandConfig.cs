using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fastband.Core;

/// <summary>
/// Project settings from <c>.fastband/config.yaml</c> (or the older <c>.fastband/config.json</c>); every setting
/// has a default, so the file is optional. The file is a map of sections; each section is read by its own
/// settings class, and an unknown section or key is refused with the names that are allowed.
/// </summary>
public sealed class FastbandConfig
{
    public const string FileName = "config.yaml";
    public const string JsonFileName = "config.json";

    /// <summary>The file the settings came from, or null when defaults are in use.</summary>
    public string? Path { get; private init; }

    public OpsLogSettings OpsLog { get; } = new();

    public Fastband.Core.Leader.LeaderSettings Leader { get; } = new();

    public Fastband.Core.Health.HealthSettings Health { get; } = new();

    public Fastband.Core.Alerts.AlertSettings Alerts { get; } = new();
    public EventsSettings Events { get; } = new();
    public Issues.IssueSettings Issues { get; } = new();
    /// <summary>Which backend holds the project's data (SQLite by default).</summary>
    public Store.StoreSettings Store { get; } = new();

    /// <summary>
    /// The section readers, by top-level key. A feature with settings adds its section here, so that one
    /// file serves every feature and the error for an unknown section lists them all.
    /// </summary>
    private IReadOnlyDictionary<string, Action<JsonElement, string>> Sections => new Dictionary<string, Action<JsonElement, string>>
    {
        ["opsLog"] = OpsLog.Read,
        [Fastband.Core.Leader.LeaderSettings.Section] = Leader.Read,
        [Fastband.Core.Health.HealthSettings.Section] = Health.Read,
        [Fastband.Core.Alerts.AlertSettings.Section] = Alerts.Read,
        ["events"] = Events.Read,
        [Fastband.Core.Issues.IssueSettings.Section] = Issues.Read,
        ["store"] = Store.Read,
    };

    public static FastbandConfig Load(string stateDirectory)
    {
        string yaml = System.IO.Path.Combine(stateDirectory, FileName);
        string json = System.IO.Path.Combine(stateDirectory, JsonFileName);
        bool hasYaml = File.Exists(yaml), hasJson = File.Exists(json);
        if (hasYaml && hasJson)
            throw new InvalidInputException("InvalidConfig",
                $"Both '{yaml}' and '{json}' exist: move the settings of config.json into config.yaml and delete config.json.");
        if (!hasYaml && !hasJson) return new FastbandConfig();
        string path = hasYaml ? yaml : json;
        using var doc = hasYaml ? ParseYaml(path) : ParseJson(path);
        var config = new FastbandConfig { Path = path };
        if (doc.RootElement.ValueKind == JsonValueKind.Null) return config;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException("InvalidConfig", $"The config file '{path}' must hold a map of sections (such as opsLog:): fix it or delete it to use the defaults.");
        var sections = config.Sections;
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (!sections.TryGetValue(p.Name, out var read))
                throw new InvalidInputException("InvalidConfig",
                    $"The config file '{path}' has an unknown section '{p.Name}': use {string.Join(", ", sections.Keys)}.");
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            if (p.Value.ValueKind != JsonValueKind.Object)
                throw new InvalidInputException("InvalidConfig", $"The config file '{path}' has a section '{p.Name}' that is not a map of settings: fix it.");
            read(p.Value, path);
        }
        return config;
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("InvalidConfig", $"The config file '{path}' is not valid JSON ({e.Message}): fix it or delete it to use the defaults.");
        }
    }

    /// <summary>
    /// Reads the YAML into the same tree the JSON file gives, so section readers handle one shape. Plain
    /// scalars that YAML's core schema reads as numbers, booleans or null become those; everything else is a string.
    /// </summary>
    private static JsonDocument ParseYaml(string path)
    {
        var stream = new YamlStream();
        try
        {
            string text = File.ReadAllText(path);
            YamlGuard.RefuseAnchorsAndAliases(text, YamlGuard.Shown(System.IO.Path.GetDirectoryName(path)!, FileName), "InvalidConfig");
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            string what = (e.InnerException?.Message ?? e.Message).Split('\n')[0].TrimEnd('.');
            throw new InvalidInputException("InvalidConfig", $"{path}, line {e.Start.Line}: {what}; fix it or delete the file to use the defaults.");
        }
        if (stream.Documents.Count == 0) return JsonDocument.Parse("null");
        if (stream.Documents.Count > 1)
            throw new InvalidInputException("InvalidConfig", $"{path} holds {stream.Documents.Count} YAML documents: keep one.");
        var node = ToJson(stream.Documents[0].RootNode, path);
        return JsonDocument.Parse(node?.ToJsonString() ?? "null");
    }

    private static JsonNode? ToJson(YamlNode node, string path) => node switch
    {
        YamlMappingNode map => ToObject(map, path),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(c => ToJson(c, path)).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidInputException("InvalidConfig", $"{path}, line {node.Start.Line}: this kind of YAML node is not supported here; write the value out."),
    };

    private static JsonObject ToObject(YamlMappingNode map, string path)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            string name = (key as YamlScalarNode)?.Value
                ?? throw new InvalidInputException("InvalidConfig", $"{path}, line {key.Start.Line}: a key must be a plain name.");
            if (obj.ContainsKey(name))
                throw new InvalidInputException("InvalidConfig", $"{path}, line {key.Start.Line}: '{name}' is set twice; keep one.");
            obj[name] = ToJson(value, path);
        }
        return obj;
    }

    private static JsonNode? Scalar(YamlScalarNode s)
    {
        string? v = s.Value;
        if (s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded) return JsonValue.Create(v);
        if (v is null or "" or "~" or "null" or "Null" or "NULL") return null;
        if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(v, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long l)) return JsonValue.Create(l);
        if (double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) && char.IsDigit(v[^1])) return JsonValue.Create(d);
        return JsonValue.Create(v);
    }

    /// <summary>Reads a duration setting ("30s", "5m", "24h"); used by every section.</summary>
    public static TimeSpan Duration(JsonProperty p, string path, string section) =>
        p.Value.ValueKind == JsonValueKind.String && TimeSpec.TryParseDuration(p.Value.GetString(), out var d) && d > TimeSpan.Zero
            ? d
            : throw Bad(path, section, p.Name, "a duration such as \"30s\", \"30m\" or \"24h\"");

    /// <summary>Reads a list of strings (a YAML sequence, or one comma-separated string).</summary>
    public static IReadOnlyList<string> Strings(JsonProperty p, string path, string section, string expected)
    {
        if (p.Value.ValueKind == JsonValueKind.String)
            return p.Value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (p.Value.ValueKind != JsonValueKind.Array || p.Value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString())))
            throw Bad(path, section, p.Name, expected);
        return p.Value.EnumerateArray().Select(v => v.GetString()!.Trim()).ToArray();
    }

    /// <summary>The error for a setting with a value of the wrong kind.</summary>
    public static InvalidInputException Bad(string path, string section, string name, string expected) =>
        new("InvalidConfig", $"The config file '{path}' sets {section}.{name} to something that is not {expected}: fix the value.");

    /// <summary>The error for a key a section does not have.</summary>
    public static InvalidInputException Unknown(string path, string section, string name, params string[] known) =>
        new("InvalidConfig", $"The config file '{path}' has an unknown setting {section}.{name}: use {string.Join(", ", known)}.");
}

public sealed class OpsLogSettings
{
    private const string Section = "opsLog";

    /// <summary>Entries older than this move to the daily archive files.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>Directives older than this are ignored.</summary>
    public TimeSpan DirectiveWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A requested rebuild with no completion after this long no longer blocks anyone.</summary>
    public TimeSpan RebuildTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Agents seen within this window are active.</summary>
    public TimeSpan ActiveAgentWindow { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How often follow mode and wait poll the store.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    internal void Read(JsonElement e, string path)
    {
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "retentionDays":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int days) || days < 1) throw FastbandConfig.Bad(path, Section, p.Name, "a whole number of days, at least 1");
                    RetentionDays = days;
                    break;
                case "directiveWindow": DirectiveWindow = FastbandConfig.Duration(p, path, Section); break;
                case "rebuildTimeout": RebuildTimeout = FastbandConfig.Duration(p, path, Section); break;
                case "activeAgentWindow": ActiveAgentWindow = FastbandConfig.Duration(p, path, Section); break;
                case "pollInterval": PollInterval = FastbandConfig.Duration(p, path, Section); break;
                default:
                    throw FastbandConfig.Unknown(path, Section, p.Name, "retentionDays", "directiveWindow", "rebuildTimeout", "activeAgentWindow", "pollInterval");
            }
        }
    }
}
