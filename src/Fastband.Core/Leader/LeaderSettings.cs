using System.Text.Json;

namespace Fastband.Core.Leader;

/// <summary>The <c>leader:</c> section of .fastband/config.yaml.</summary>
public sealed class LeaderSettings
{
    internal const string Section = "leader";

    /// <summary>
    /// T: the leader's lease lasts this long past its last heartbeat. A leader silent for longer has lapsed and a
    /// campaign wins the next term.
    /// </summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The agents that may campaign; empty: every agent.</summary>
    public IReadOnlyList<string> Eligible { get; set; } = Array.Empty<string>();

    internal void Read(JsonElement e, string path)
    {
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "heartbeatTimeout": HeartbeatTimeout = FastbandConfig.Duration(p, path, Section); break;
                case "eligible":
                    var names = FastbandConfig.Strings(p, path, Section, "a list of agent names");
                    foreach (string name in names) AgentName.Validate(name);
                    Eligible = names;
                    break;
                default: throw FastbandConfig.Unknown(path, Section, p.Name, "heartbeatTimeout", "eligible");
            }
        }
    }
}
