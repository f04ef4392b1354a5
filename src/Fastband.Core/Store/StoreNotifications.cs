namespace Fastband.Core.Store;

/// <summary>
/// Wake-ups for follow modes (<c>ops read --follow</c>, and later <c>events watch</c>): a reader asks to be
/// woken when a write on a topic may have committed, instead of re-querying on a timer. PostgreSQL pushes
/// (LISTEN/NOTIFY: a write transaction notifies the topic, delivered at commit); SQLite cannot, so its
/// listeners simply sleep the poll interval. Either way the reader re-queries from its cursor after every
/// wake-up, so a spurious or missed wake-up costs time, never an entry.
/// </summary>
public interface IStoreNotifications
{
    /// <summary>True when writes wake listeners; false when listeners poll.</summary>
    bool Pushes { get; }

    /// <summary>
    /// Starts listening on <paramref name="topic"/> (e.g. <see cref="StoreTopics.OpsLog"/>). Call it before the
    /// first read, so that nothing committed between that read and the first wait is slept through.
    /// </summary>
    IChangeListener Listen(string topic);
}

/// <summary>One reader's subscription to a topic. Not thread-safe: one reader per listener.</summary>
public interface IChangeListener : IDisposable
{
    /// <summary>
    /// Returns when a write on the topic may have committed since the previous call, or at the latest after
    /// <paramref name="poll"/> on a store that cannot push (a pushing store still returns after a long safety
    /// interval, in case a notification was lost with its connection); or as soon as <paramref name="cancellation"/> fires.
    /// </summary>
    /// <returns>True when woken by a notification, false on a timeout or cancellation.</returns>
    bool WaitForChange(TimeSpan poll, CancellationToken cancellation);
}

/// <summary>The topics writers notify. A feature that adds a follow mode adds its topic here and notifies it in its writes.</summary>
public static class StoreTopics
{
    public const string OpsLog = "ops_log";

    /// <summary>The interaction event log: notified by every append that stored an event (<c>events watch</c> wakes on it).</summary>
    public const string Events = "events";
}

/// <summary>Listeners for a store that cannot push: each wait is the poll interval.</summary>
public sealed class PollingNotifications : IStoreNotifications
{
    public static readonly PollingNotifications Instance = new();

    public bool Pushes => false;

    public IChangeListener Listen(string topic) => new Sleeper();

    private sealed class Sleeper : IChangeListener
    {
        public bool WaitForChange(TimeSpan poll, CancellationToken cancellation)
        {
            cancellation.WaitHandle.WaitOne(poll);
            return false;
        }

        public void Dispose() { }
    }
}
