using Fastband.Core.Store;

namespace Fastband.Core.Events;

/// <summary>
/// How watch mode learns that new events may have arrived. Polling the latest id is the default; a server's
/// notifications (PostgreSQL LISTEN/NOTIFY) can take its place without touching the watch loop.
/// </summary>
public interface IEventWakeup
{
    /// <summary>Returns when the latest event id may differ from <paramref name="lastSeenId"/>, or when cancelled.</summary>
    void Wait(long lastSeenId, CancellationToken cancellation);
}

/// <summary>
/// The default wake-up: the store's notifications on <see cref="StoreTopics.Events"/>. On PostgreSQL an append
/// NOTIFYs at commit and the watcher wakes at once (re-reading at least every half minute in case a notification
/// was lost with its connection); on SQLite, which cannot push, each wait is the poll interval. Either way the
/// watcher re-checks the latest id after every wake-up, so a spurious one costs a query, never an event.
/// </summary>
internal sealed class StoreWakeup : IEventWakeup, IDisposable
{
    private readonly IEventStore _events;
    private readonly IChangeListener _listener;
    private readonly TimeSpan _poll;
    private readonly Action<bool>? _woke;

    private StoreWakeup(IEventStore events, IChangeListener listener, TimeSpan poll, Action<bool>? woke)
    {
        _events = events;
        _listener = listener;
        _poll = poll;
        _woke = woke;
    }

    /// <summary>Listens on the store's events topic; polls when the store cannot be listened to right now (a server that is away).</summary>
    public static StoreWakeup Listen(IEventStore events, IStoreNotifications notifications, TimeSpan poll, Action<bool>? woke = null)
    {
        IChangeListener listener;
        try
        {
            listener = notifications.Listen(StoreTopics.Events);
        }
        catch (StoreException)
        {
            listener = PollingNotifications.Instance.Listen(StoreTopics.Events);
        }
        return new StoreWakeup(events, listener, poll, woke);
    }

    public void Wait(long lastSeenId, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested && _events.LatestId() == lastSeenId)
        {
            bool notified = _listener.WaitForChange(_poll, cancellation);
            _woke?.Invoke(notified);
        }
    }

    public void Dispose() => _listener.Dispose();
}
