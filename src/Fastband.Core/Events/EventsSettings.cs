using System.Text.Json;
using Fastband.Core.Events;

namespace Fastband.Core;

/// <summary>The <c>events:</c> section of .fastband/config.yaml: snapshots, retries and where the seed's files go.</summary>
public sealed class EventsSettings
{
    private const string Section = "events";

    /// <summary>How many of the newest interactions communication.md shows; archive.md holds the rest.</summary>
    public int RecentInteractions { get; set; } = 3;

    /// <summary>
    /// Where communication.md, archive.md, events.error.log and the agent-&lt;id&gt;.checkpoint files go, relative
    /// to the project root (default: the project root, as in the seed).
    /// </summary>
    public string Directory { get; set; } = ".";

    /// <summary>The first line of communication.md, after "# ".</summary>
    public string Title { get; set; } = "Communication Snapshot";

    /// <summary>The heading of each event type in the snapshot; a type not listed gets its own name.</summary>
    public Dictionary<string, string> Headings { get; } = new(StringComparer.Ordinal)
    {
        [EventType.Question] = "Question",
        [EventType.Answer] = "Answer",
        [EventType.Followup] = "Follow-up",
        [EventType.Heartbeat] = "Heartbeat",
        [EventType.Error] = "Error",
        [EventType.LeaderElection] = "Leader election",
    };

    /// <summary>Attempts at a write the store refuses because another writer holds it (contention).</summary>
    public int RetryAttempts { get; set; } = 3;

    /// <summary>The first backoff; each next one doubles, each with up to ±50% jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one attempt waits for the store's write lock before it counts as contention.</summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often watch mode looks for new events.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public string HeadingFor(string type) => Headings.TryGetValue(type, out var h) ? h : type;

    internal void Read(JsonElement e, string path)
    {
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "recentInteractions":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int k) || k < 1) throw FastbandConfig.Bad(path, Section, p.Name, "a whole number, at least 1");
                    RecentInteractions = k;
                    break;
                case "directory":
                    Directory = p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString())
                        ? p.Value.GetString()!.Trim()
                        : throw FastbandConfig.Bad(path, Section, p.Name, "a folder path (relative to the project root)");
                    break;
                case "title":
                    Title = p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 } t && !t.Contains('\n')
                        ? t
                        : throw FastbandConfig.Bad(path, Section, p.Name, "one line of text");
                    break;
                case "headings":
                    if (p.Value.ValueKind != JsonValueKind.Object) throw FastbandConfig.Bad(path, Section, p.Name, "a map of event type to heading (question: \"A -> B\")");
                    foreach (var h in p.Value.EnumerateObject())
                    {
                        if (!EventType.TryNormalize(h.Name, out var type) || h.Value.ValueKind != JsonValueKind.String || h.Value.GetString() is not { Length: > 0 } text || text.Contains('\n'))
                            throw FastbandConfig.Bad(path, Section, $"{p.Name}.{h.Name}", "one line of text under an event type name");
                        Headings[type] = text;
                    }
                    break;
                case "retryAttempts":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int n) || n is < 1 or > 20) throw FastbandConfig.Bad(path, Section, p.Name, "a whole number from 1 to 20");
                    RetryAttempts = n;
                    break;
                case "retryDelay": RetryDelay = FastbandConfig.Duration(p, path, Section); break;
                case "lockWait": LockWait = FastbandConfig.Duration(p, path, Section); break;
                case "pollInterval": PollInterval = FastbandConfig.Duration(p, path, Section); break;
                default:
                    throw FastbandConfig.Unknown(path, Section, p.Name, "recentInteractions", "directory", "title", "headings", "retryAttempts", "retryDelay", "lockWait", "pollInterval");
            }
        }
    }
}
