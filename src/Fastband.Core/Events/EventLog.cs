using System.Text;
using Fastband.Core.Store;

namespace Fastband.Core.Events;

/// <summary>
/// The interaction event log itself (seed 002): log events and read them. A write the store refuses because
/// another writer holds it is retried with backoff; a write the store cannot take at all goes to the offline
/// queue and is replayed, in order and once, by the next write that finds the store writable again. It is the
/// <see cref="IEventRecorder"/> other features write through, and the retry and error reporting the event
/// log's other parts (import, snapshot, cursors) write with.
/// </summary>
internal sealed class EventLog(IEventStore eventStore, string storeLocation, CallerIdentity caller, EventsSettings settings, TimeProvider clock,
    string stateDirectory, EventErrorLog errors) : IEventRecorder
{
    private readonly OfflineQueue _queue = new(stateDirectory);

    /// <summary>Where the store is, for messages (never a password).</summary>
    internal string StoreLocation => storeLocation;

    public string OfflineQueuePath => _queue.Path;

    /// <summary>Events waiting in the offline queue.</summary>
    public int OfflineQueueLength => _queue.Count();

    /// <summary>Raised after every error event is committed to the store (by this process). Handlers' exceptions are swallowed.</summary>
    public event Action<EventNotice>? ErrorRecorded;

    /// <summary>Called before each backoff sleep with the attempt that failed (tests use it to end the contention).</summary>
    internal Action<int>? OnRetry { get; set; }

    internal Random Jitter { get; set; } = Random.Shared;

    // ---------------------------------------------------------------- write

    /// <summary>
    /// Logs an event by the caller: in <paramref name="interaction"/>, or with <paramref name="newInteraction"/>
    /// in a new one, else in the current one. Returns the stored event, or the queued one (Queued, Id 0) when the
    /// store cannot be written.
    /// </summary>
    public InteractionEvent Log(string type, string content, long? interaction = null, bool newInteraction = false)
    {
        if (interaction is not null && newInteraction)
            throw new InvalidInputException("InvalidInteraction", "Give an interaction number or ask for a new interaction, not both.");
        if (interaction is < 1)
            throw new InvalidInputException("InvalidInteraction", $"Interaction {interaction} does not exist: interactions are numbered from 1; leave it out to use the current one.");
        string t = EventType.Normalize(type);
        string text = ValidateContent(content);
        var choice = interaction is not null ? InteractionChoice.Number : newInteraction ? InteractionChoice.New : InteractionChoice.Current;
        return Append(new NewEvent(choice, interaction ?? 0, caller.Agent, t, text));
    }

    EventNotice IEventRecorder.Record(string type, string content) => Log(type, content).ToNotice();

    private InteractionEvent Append(NewEvent e)
    {
        // Behind queued events the new one queues too, so that the store receives them all in order.
        if (_queue.HasItems)
        {
            var queued = Enqueue(e);
            var replayed = TryReplay();
            return replayed?.FirstOrDefault(s => s.Uid == queued.Uid).Stored ?? Queued(queued);
        }
        try
        {
            var stored = WithRetry("Logging an event", wait => eventStore.Append(new[] { e }, wait))[0]!;
            Announce(stored);
            return stored;
        }
        catch (Exception x) when (StoreFailures.Classify(x) == StoreFailureKind.Unwritable)
        {
            return Queued(Enqueue(e, x));
        }
    }

    private static InteractionEvent Queued(NewEvent e) => new()
    {
        Interaction = e.Choice == InteractionChoice.Number ? e.Interaction : 0,
        Actor = e.Actor, Type = e.Type, Content = e.Content, Timestamp = e.Timestamp!.Value, Queued = true,
    };

    /// <summary>Appends to the offline queue with a fresh uid and the time now; if that fails too, nothing is recorded and the caller hears why.</summary>
    private NewEvent Enqueue(NewEvent e, Exception? storeFailure = null)
    {
        var queued = e with { Uid = "q-" + Guid.NewGuid().ToString("N"), Timestamp = e.Timestamp ?? clock.GetUtcNow() };
        try
        {
            _queue.Append(queued);
            return queued;
        }
        catch (Exception x) when (x is IOException or UnauthorizedAccessException)
        {
            string why = storeFailure is null ? "" : $"the store {storeLocation} cannot be written ({StoreFailures.Reason(storeFailure)}) and ";
            throw new StoreException($"The event was not recorded: {why}the offline queue {_queue.Path} could not be written either ({x.Message.TrimEnd('.')}); free disk space or fix the permissions of .fastband/, then log it again.", x);
        }
    }

    /// <summary>
    /// Replays the offline queue into the store if it has anything and the store takes it; returns what was
    /// replayed (uid and stored event), or null when there was nothing to replay or the store still refuses.
    /// </summary>
    public IReadOnlyList<(string Uid, InteractionEvent Stored)>? TryReplay()
    {
        if (!_queue.HasItems) return null;
        var uids = new List<string>();
        try
        {
            var (stored, torn) = _queue.Replay(batch =>
            {
                uids.Clear();
                uids.AddRange(batch.Select(b => b.Uid!));
                return WithRetry("Replaying the offline queue", wait => eventStore.Append(batch, wait), reportContention: false);
            });
            var result = new List<(string, InteractionEvent)>();
            for (int n = 0; n < stored.Count; n++)
            {
                if (stored[n] is not { } s) continue; // replayed before a crash, already in the store
                Announce(s);
                result.Add((uids[n], s));
            }
            if (torn.Count > 0)
            {
                string log = errors.Append(_queue.Path, torn.Select(t => (t.Line, Encoding.UTF8.GetBytes(t.Text), t.Reason)).ToList()).Path;
                TryRecordError($"The offline queue {_queue.Path} had {torn.Count} unreadable line(s) ({string.Join(", ", torn.Select(t => t.Line))}), moved to {log}.");
            }
            return result;
        }
        catch (Exception x) when (StoreFailures.Classify(x) is StoreFailureKind.Unwritable or StoreFailureKind.Contention || x is BlockedException)
        {
            return null; // still offline; the queue stays as it is
        }
    }

    /// <summary>
    /// Runs a store write, retrying contention with exponential backoff and jitter. When the attempts run out an
    /// error event is logged (or queued) and the caller gets one clear sentence with exit code 3.
    /// </summary>
    internal T WithRetry<T>(string what, Func<TimeSpan, T> write, bool reportContention = true)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return write(settings.LockWait);
            }
            catch (Exception x) when (StoreFailures.Classify(x) == StoreFailureKind.Contention)
            {
                if (attempt >= settings.RetryAttempts)
                {
                    string message = $"{what} failed: the store {storeLocation} stayed locked by another writer through {attempt} attempts ({StoreFailures.Reason(x)})";
                    if (reportContention) TryRecordError(message + ".");
                    throw new BlockedException("StoreBusy", $"{message}; nothing was written: find the process holding it with 'fuser {storeLocation.Replace("sqlite:", "")}' and try again.");
                }
                OnRetry?.Invoke(attempt);
                Thread.Sleep(StoreFailures.Backoff(settings.RetryDelay, attempt, Jitter));
            }
        }
    }

    /// <summary>Logs an error event about a failure, without retries; queued when the store refuses it. Never throws.</summary>
    internal void TryRecordError(string content)
    {
        var e = new NewEvent(InteractionChoice.Current, 0, caller.Agent, EventType.Error, content);
        try
        {
            if (_queue.HasItems) { Enqueue(e); return; }
            var stored = eventStore.Append(new[] { e }, TimeSpan.FromMilliseconds(200))[0];
            if (stored is not null) Announce(stored);
        }
        catch (Exception x) when (StoreFailures.Classify(x) != StoreFailureKind.Other || x is FastbandException)
        {
            try { Enqueue(e); } catch (FastbandException) { /* the failure being reported is what the caller hears */ }
        }
    }

    /// <summary>Tells the ErrorRecorded handlers of an error event just committed.</summary>
    internal void Announce(InteractionEvent stored)
    {
        if (stored.Type == EventType.Error) EventHandlers.Raise(ErrorRecorded, stored.ToNotice());
    }

    private static string ValidateContent(string? content)
    {
        string text = content ?? "";
        if (text.Length > SeedEventLog.MaxContentLength)
            throw new InvalidInputException("EventTooLong", $"The content is {text.Length} characters long: keep it under {SeedEventLog.MaxContentLength} and point to a file for detail.");
        if (text.Contains('\0'))
            throw new InvalidInputException("InvalidContent", "The content holds a NUL character: remove it.");
        return text;
    }

    // ---------------------------------------------------------------- read

    /// <summary>The events matching the query, oldest first.</summary>
    public IReadOnlyList<InteractionEvent> Read(EventQuery query)
    {
        if (query.Limit < 0) throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.");
        var q = query with { Types = query.Types?.Select(EventType.Normalize).ToArray() };
        return eventStore.Read(q);
    }

    /// <summary>The error events since a time, newest first (at most <paramref name="limit"/>): what health reports.</summary>
    public IReadOnlyList<EventNotice> ErrorsSince(DateTimeOffset since, int limit) =>
        Read(new EventQuery { Types = new[] { EventType.Error }, Since = since, Limit = limit }).Reverse().Select(e => e.ToNotice()).ToArray();
}
