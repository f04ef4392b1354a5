using System.Text.Json;

namespace Fastband.Core.Alerts;

/// <summary>The <c>alerts:</c> section of .fastband/config.yaml, plus FASTBAND_ALERT_WEBHOOKS.</summary>
public sealed class AlertSettings
{
    internal const string Section = "alerts";
    public const string EnvironmentVariable = "FASTBAND_ALERT_WEBHOOKS";

    /// <summary>Where every error event is POSTed as JSON. Secret-bearing URLs are never shown whole.</summary>
    public IReadOnlyList<Uri> Webhooks { get; set; } = Array.Empty<Uri>();

    /// <summary>How long one POST may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Further attempts after a failed POST, with doubling back-off, before the alert waits in the outbox.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>How long a process about to exit waits for alerts still being delivered; the rest stay in the outbox.</summary>
    public TimeSpan ExitWait { get; set; } = TimeSpan.FromSeconds(3);

    internal void Read(JsonElement e, string path)
    {
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "webhooks":
                    Webhooks = FastbandConfig.Strings(p, path, Section, "a list of http(s) URLs").Select(u => ParseUrl(u, $"{path}: alerts.webhooks")).ToArray();
                    break;
                case "timeout": Timeout = FastbandConfig.Duration(p, path, Section); break;
                case "retries":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int n) || n < 0 || n > 10) throw FastbandConfig.Bad(path, Section, p.Name, "a whole number from 0 to 10");
                    Retries = n;
                    break;
                case "exitWait": ExitWait = FastbandConfig.Duration(p, path, Section); break;
                default: throw FastbandConfig.Unknown(path, Section, p.Name, "webhooks", "timeout", "retries", "exitWait");
            }
        }
    }

    /// <summary>Adds the comma-separated URLs of FASTBAND_ALERT_WEBHOOKS to those of the config file.</summary>
    internal void ReadEnvironment(Func<string, string?> environment)
    {
        string? value = environment(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value)) return;
        var extra = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => ParseUrl(u, EnvironmentVariable));
        Webhooks = Webhooks.Concat(extra).DistinctBy(u => u.AbsoluteUri).ToArray();
    }

    private static Uri ParseUrl(string text, string where) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidInputException("InvalidConfig", $"{where} holds a webhook that is not an http(s) URL ({Redact(text)}): fix it.");

    /// <summary>A URL as it may be shown: scheme, host and port only (webhook paths and queries often carry a secret).</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}/…" : "(not a URL)";
}
