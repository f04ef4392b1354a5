using System.Collections.Concurrent;
using Fastband.Core.Events;

namespace Fastband.Core.Tests.Leader;

/// <summary>
/// An in-memory <see cref="IEventRecorder"/> for tests of the features that write events (the real event log is
/// another feature's): it keeps what was recorded and raises ErrorRecorded the way recorders must.
/// </summary>
public sealed class MemoryEventRecorder : IEventRecorder
{
    private readonly TimeProvider _clock;
    private readonly string _actor;
    private long _id;

    public MemoryEventRecorder(TimeProvider clock, string actor)
    {
        _clock = clock;
        _actor = actor;
    }

    public ConcurrentQueue<EventNotice> Recorded { get; } = new();

    public event Action<EventNotice>? ErrorRecorded;

    public EventNotice Record(string type, string content)
    {
        var notice = new EventNotice(Interlocked.Increment(ref _id), 1, _actor, type, content, _clock.GetUtcNow());
        Recorded.Enqueue(notice);
        if (type == "error") EventHandlers.Raise(ErrorRecorded, notice);
        return notice;
    }

    public IReadOnlyList<EventNotice> OfType(string type) => Recorded.Where(e => e.Type == type).ToArray();
}
