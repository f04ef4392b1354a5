namespace Fastband.Core.OpsLog;

/// <summary>The nine event types of the Agent Ops Log. Anything else is refused.</summary>
public static class OpsEventType
{
    public const string ClearanceGranted = "clearance_granted";
    public const string Hold = "hold";
    public const string RebuildRequested = "rebuild_requested";
    public const string RebuildComplete = "rebuild_complete";
    public const string TicketClaimed = "ticket_claimed";
    public const string TicketCompleted = "ticket_completed";
    public const string StatusUpdate = "status_update";
    public const string ReviewComplete = "review_complete";
    public const string General = "general";

    public static readonly IReadOnlyList<string> All = new[]
    {
        ClearanceGranted, Hold, RebuildRequested, RebuildComplete, TicketClaimed,
        TicketCompleted, StatusUpdate, ReviewComplete, General,
    };

    /// <summary>Returns the canonical name, or throws with the list of valid ones.</summary>
    public static string Normalize(string? eventType)
    {
        string candidate = (eventType ?? "").Trim().Replace('-', '_').ToLowerInvariant();
        foreach (var known in All)
            if (known == candidate) return known;
        throw new InvalidInputException("InvalidEventType",
            $"'{eventType}' is not an ops log event type: use one of {string.Join(", ", All)}.");
    }
}
