using Fastband.Core.OpsLog;

namespace Fastband.Core.Events;

/// <summary>
/// The stand-in <see cref="IEventRecorder"/> until the interaction event log is wired into FastbandProject: events
/// go to the ops log as <c>general</c> entries "[type] content" with the type in metadata <c>eventType</c>, so that
/// leader elections, heartbeats and errors are visible (<c>fastband log --type general</c>) and alerts fire. The
/// interaction is always 0 here.
/// </summary>
public sealed class OpsLogEventRecorder : IEventRecorder
{
    public const string TypeKey = "eventType";

    private readonly OpsLogService _opsLog;

    public OpsLogEventRecorder(OpsLogService opsLog) => _opsLog = opsLog;

    public event Action<EventNotice>? ErrorRecorded;

    public EventNotice Record(string type, string content)
    {
        var entry = _opsLog.Write(OpsEventType.General, $"[{type}] {content}", null, new Dictionary<string, object?> { [TypeKey] = type });
        var notice = new EventNotice(entry.Id, 0, entry.Agent, type, content, entry.Timestamp);
        if (type == "error") EventHandlers.Raise(ErrorRecorded, notice);
        return notice;
    }

    /// <summary>The error events since a time, newest first (at most <paramref name="limit"/>): the health check's source.</summary>
    public IReadOnlyList<EventNotice> ErrorsSince(DateTimeOffset since, int limit)
    {
        string prefix = "[error] ";
        return _opsLog.Read(new OpsLogQuery { Since = since, EventTypes = new[] { OpsEventType.General }, Limit = 0 })
            .Where(e => e.Metadata.TryGetValue(TypeKey, out var t) && t?.ToString() == "error")
            .Take(limit)
            .Select(e => new EventNotice(e.Id, 0, e.Agent, "error", e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message, e.Timestamp))
            .ToArray();
    }
}

/// <summary>How recorders raise <see cref="IEventRecorder.ErrorRecorded"/>: every handler runs, and none can fail the write.</summary>
public static class EventHandlers
{
    public static void Raise(Action<EventNotice>? handlers, EventNotice notice)
    {
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<EventNotice>>())
        {
            try { handler(notice); }
            catch (Exception) { /* the contract: the event is written; a broken handler must not undo or fail that */ }
        }
    }
}
