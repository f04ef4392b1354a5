using System.Text.Json;

namespace Fastband.Core.Health;

/// <summary>The <c>health:</c> section of .fastband/config.yaml: when a heartbeat counts as late or dead, and which errors count.</summary>
public sealed class HealthSettings
{
    internal const string Section = "health";

    /// <summary>A heartbeat older than this is late (a warning).</summary>
    public TimeSpan HeartbeatLate { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A heartbeat older than this is dead (unhealthy).</summary>
    public TimeSpan HeartbeatDead { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Agents silent for longer than this are no longer listed: they left.</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Error events this recent are shown, and make the project worth a look.</summary>
    public TimeSpan ErrorWindow { get; set; } = TimeSpan.FromHours(24);

    internal void Read(JsonElement e, string path)
    {
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "heartbeatLate": HeartbeatLate = FastbandConfig.Duration(p, path, Section); break;
                case "heartbeatDead": HeartbeatDead = FastbandConfig.Duration(p, path, Section); break;
                case "forgetAfter": ForgetAfter = FastbandConfig.Duration(p, path, Section); break;
                case "errorWindow": ErrorWindow = FastbandConfig.Duration(p, path, Section); break;
                default: throw FastbandConfig.Unknown(path, Section, p.Name, "heartbeatLate", "heartbeatDead", "forgetAfter", "errorWindow");
            }
        }
        if (HeartbeatDead <= HeartbeatLate)
            throw new InvalidInputException("InvalidConfig",
                $"The config file '{path}' sets health.heartbeatDead ({TimeSpec.Humanize(HeartbeatDead)}) no longer than health.heartbeatLate ({TimeSpec.Humanize(HeartbeatLate)}): a heartbeat must be late before it is dead.");
    }
}
