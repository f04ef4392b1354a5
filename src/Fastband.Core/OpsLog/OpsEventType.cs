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

    public static readonly Vocabulary Names = new("ops log event type", "InvalidEventType",
        ClearanceGranted, Hold, RebuildRequested, RebuildComplete, TicketClaimed,
        TicketCompleted, StatusUpdate, ReviewComplete, General);

    public static IReadOnlyList<string> All => Names.All;

    /// <summary>Returns the canonical name (any case, '-' for '_'), or throws with the list of valid ones.</summary>
    public static string Normalize(string? eventType) => Names.Normalize(eventType);
}
