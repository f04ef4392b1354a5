namespace Fastband.Core.Events;

/// <summary>One event of the interaction log as other features see it (alerts, health, the leader's announcements).</summary>
public sealed record EventNotice(long Id, long Interaction, string Actor, string Type, string Content, DateTimeOffset Timestamp);

/// <summary>
/// Where features that are not the event log itself (leader election, heartbeats, health) write interaction
/// events, and where they learn of new ones. The event log service implements it; FastbandProject wires it.
/// </summary>
public interface IEventRecorder
{
    /// <summary>Appends an event by the caller to the current interaction and returns it.</summary>
    EventNotice Record(string type, string content);

    /// <summary>
    /// Raised after every error event is written (by anyone in this process), for alerts. Handlers must not
    /// throw and must not block: the write of the event has already succeeded and must not fail because of them.
    /// </summary>
    event Action<EventNotice>? ErrorRecorded;
}

/// <summary>Raises <see cref="IEventRecorder.ErrorRecorded"/> the way its contract says: every handler runs, none can fail the write.</summary>
public static class EventHandlers
{
    public static void Raise(Action<EventNotice>? handlers, EventNotice notice)
    {
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<EventNotice>>())
        {
            try { handler(notice); }
            catch (Exception) { /* the event is written; an alert that fails must not undo or fail that */ }
        }
    }
}
