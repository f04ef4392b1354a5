namespace Fastband.Core.OpsLog;

/// <summary>Rebuild announcements: requested and complete, per container.</summary>
public sealed class RebuildTracker
{
    public const string Requested = "requested";
    public const string Complete = "complete";

    private readonly OpsLogService _log;
    private readonly CallerIdentity _caller;
    private readonly OpsLogSettings _settings;
    private readonly TimeProvider _clock;

    internal RebuildTracker(OpsLogService log, CallerIdentity caller, OpsLogSettings settings, TimeProvider clock)
    {
        _log = log;
        _caller = caller;
        _settings = settings;
        _clock = clock;
    }

    public OpsLogEntry Announce(string container, string? ticketId, IEnumerable<string>? files, string status)
    {
        if (string.IsNullOrWhiteSpace(container) || container.Any(char.IsWhiteSpace))
            throw new InvalidInputException("InvalidContainer", $"'{container}' is not a container name: give the name without spaces, e.g. --container webapp.");
        string normalized = (status ?? "").Trim().ToLowerInvariant();
        if (normalized is not (Requested or Complete))
            throw new InvalidInputException("InvalidRebuildStatus", $"'{status}' is not a rebuild status: use requested or complete.");
        string? ticket = OpsLogService.NormalizeTicket(ticketId);
        var fileList = (files ?? Array.Empty<string>())
            .SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        bool done = normalized == Complete;
        string message = (done ? "REBUILD COMPLETE" : "REBUILD REQUESTED") + $" for {container.Trim()}"
                         + (ticket is null ? "" : $" (Ticket #{ticket})");
        return _log.Write(done ? OpsEventType.RebuildComplete : OpsEventType.RebuildRequested, message, ticket,
            new Dictionary<string, object?>
            {
                ["container"] = container.Trim(), ["files_changed"] = fileList, ["status"] = normalized,
            });
    }

    /// <summary>The latest rebuild per container announced within the rebuild timeout, in progress first.</summary>
    public IReadOnlyList<RebuildStatus> List()
    {
        var now = _clock.GetUtcNow();
        var entries = _log.Read(new OpsLogQuery
        {
            Since = now - _settings.RebuildTimeout - _settings.RebuildTimeout, // completions of recently timed-out rebuilds too
            EventTypes = new[] { OpsEventType.RebuildRequested, OpsEventType.RebuildComplete },
            Limit = 0,
        });
        var byContainer = new Dictionary<string, RebuildStatus>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in entries.OrderBy(e => e.Id))
        {
            string container = e.Metadata.TryGetValue("container", out var c) && c is string s ? s : "";
            if (container.Length == 0) continue;
            if (e.EventType == OpsEventType.RebuildRequested)
            {
                bool timedOut = now - e.Timestamp > _settings.RebuildTimeout;
                byContainer[container] = new RebuildStatus
                {
                    Container = container, TicketId = e.TicketId, RequestedBy = e.Agent, RequestedAt = e.Timestamp,
                    Files = FastbandJson.StringList(e.Metadata, "files_changed"), InProgress = !timedOut, TimedOut = timedOut,
                    RequestEntryId = e.Id,
                };
            }
            else if (byContainer.TryGetValue(container, out var open))
            {
                byContainer[container] = new RebuildStatus
                {
                    Container = open.Container, TicketId = open.TicketId, RequestedBy = open.RequestedBy, RequestedAt = open.RequestedAt,
                    Files = open.Files, InProgress = false, TimedOut = false, CompletedBy = e.Agent, CompletedAt = e.Timestamp,
                    RequestEntryId = open.RequestEntryId,
                };
            }
        }
        return byContainer.Values.OrderByDescending(r => r.InProgress).ThenByDescending(r => r.RequestedAt).ToArray();
    }

    public IReadOnlyList<RebuildStatus> InProgress() => List().Where(r => r.InProgress).ToArray();
}
