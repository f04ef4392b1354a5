using System.Text.Json;

namespace Fastband.Core;

/// <summary>Project settings from <c>.fastband/config.json</c>; every setting has a default, so the file is optional.</summary>
public sealed class FastbandConfig
{
    public const string FileName = "config.json";

    public OpsLogSettings OpsLog { get; init; } = new();

    public static FastbandConfig Load(string stateDirectory)
    {
        string path = Path.Combine(stateDirectory, FileName);
        if (!File.Exists(path)) return new FastbandConfig();
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var config = new FastbandConfig();
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidInputException("InvalidConfig", $"The config file '{path}' must hold a JSON object: fix it or delete it to use the defaults.");
            if (doc.RootElement.TryGetProperty("opsLog", out var ops)) config.OpsLog.Read(ops, path);
            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidInputException("InvalidConfig", $"The config file '{path}' is not valid JSON ({e.Message}): fix it or delete it to use the defaults.");
        }
    }
}

public sealed class OpsLogSettings
{
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
                    if (!p.Value.TryGetInt32(out int days) || days < 1) throw Bad(path, p.Name, "a whole number of days, at least 1");
                    RetentionDays = days;
                    break;
                case "directiveWindow": DirectiveWindow = Duration(p, path); break;
                case "rebuildTimeout": RebuildTimeout = Duration(p, path); break;
                case "activeAgentWindow": ActiveAgentWindow = Duration(p, path); break;
                case "pollInterval": PollInterval = Duration(p, path); break;
                default:
                    throw new InvalidInputException("InvalidConfig",
                        $"The config file '{path}' has an unknown setting opsLog.{p.Name}: use retentionDays, directiveWindow, rebuildTimeout, activeAgentWindow or pollInterval.");
            }
        }
    }

    private static TimeSpan Duration(JsonProperty p, string path) =>
        p.Value.ValueKind == JsonValueKind.String && TimeSpec.TryParseDuration(p.Value.GetString(), out var d) && d > TimeSpan.Zero
            ? d
            : throw Bad(path, p.Name, "a duration such as \"30m\" or \"24h\"");

    private static InvalidInputException Bad(string path, string name, string expected) =>
        new("InvalidConfig", $"The config file '{path}' sets opsLog.{name} to something that is not {expected}: fix the value.");
}
