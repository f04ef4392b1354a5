using System.Globalization;
using System.Text;
using System.Text.Json;
using Fastband.Core.Store;

namespace Fastband.Core.Events;

/// <summary>
/// The interaction event log (seed 002): log and read events, import and export the seed's events.log, write
/// the communication.md / archive.md snapshot (once or whenever new events arrive), and per-agent cursors kept
/// in step with the seed's agent-&lt;id&gt;.checkpoint files. A write the store refuses because another writer
/// holds it is retried with backoff; a write the store cannot take at all goes to the offline queue and is
/// replayed, in order and once, by the next write that finds the store writable again.
/// </summary>
public sealed class EventService : IEventRecorder
{
    public const string CommunicationFileName = "communication.md";
    public const string ArchiveFileName = "archive.md";
    public const string BackupSuffix = ".bak";
    public const string ErrorLogFileName = "events.error.log";

    /// <summary>How many events one next call returns unless told otherwise.</summary>
    public const int DefaultNextLimit = 100;

    private const int ImportBatch = 5000;

    private readonly IFastbandStore _store;
    private readonly CallerIdentity _caller;
    private readonly EventsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly string _stateDirectory;
    private readonly OfflineQueue _queue;

    internal EventService(IFastbandStore store, CallerIdentity caller, EventsSettings settings, TimeProvider clock, string root, string stateDirectory)
    {
        _store = store;
        _caller = caller;
        _settings = settings;
        _clock = clock;
        _stateDirectory = stateDirectory;
        _queue = new OfflineQueue(stateDirectory);
        FilesDirectory = Path.GetFullPath(Path.Combine(root, settings.Directory));
    }

    /// <summary>Where communication.md, archive.md, events.error.log and the checkpoint files go.</summary>
    public string FilesDirectory { get; }

    public string OfflineQueuePath => _queue.Path;

    /// <summary>Events waiting in the offline queue.</summary>
    public int OfflineQueueLength => _queue.Count();

    /// <summary>Raised after every error event is committed to the store (by this process). Handlers' exceptions are swallowed.</summary>
    public event Action<EventNotice>? ErrorRecorded;

    /// <summary>Called before each backoff sleep with the attempt that failed (tests use it to end the contention).</summary>
    internal Action<int>? OnRetry { get; set; }

    internal Random Jitter { get; set; } = Random.Shared;

    /// <summary>Called after each wait of the default watch wake-up: true when a store notification ended it (tests tell push from poll).</summary>
    internal Action<bool>? OnWakeup { get; set; }

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
        return Append(new NewEvent(choice, interaction ?? 0, _caller.Agent, t, text));
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
            var stored = WithRetry("Logging an event", wait => _store.Events.Append(new[] { e }, wait))[0]!;
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
        var queued = e with { Uid = "q-" + Guid.NewGuid().ToString("N"), Timestamp = e.Timestamp ?? _clock.GetUtcNow() };
        try
        {
            _queue.Append(queued);
            return queued;
        }
        catch (Exception x) when (x is IOException or UnauthorizedAccessException)
        {
            string why = storeFailure is null ? "" : $"the store {_store.Location} cannot be written ({StoreFailures.Reason(storeFailure)}) and ";
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
                return WithRetry("Replaying the offline queue", wait => _store.Events.Append(batch, wait), reportContention: false);
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
                string log = AppendErrorLog(_queue.Path, torn.Select(t => (t.Line, Encoding.UTF8.GetBytes(t.Text), t.Reason)).ToList());
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
    private T WithRetry<T>(string what, Func<TimeSpan, T> write, bool reportContention = true)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return write(_settings.LockWait);
            }
            catch (Exception x) when (StoreFailures.Classify(x) == StoreFailureKind.Contention)
            {
                if (attempt >= _settings.RetryAttempts)
                {
                    string message = $"{what} failed: the store {_store.Location} stayed locked by another writer through {attempt} attempts ({StoreFailures.Reason(x)})";
                    if (reportContention) TryRecordError(message + ".");
                    throw new BlockedException("StoreBusy", $"{message}; nothing was written: find the process holding it with 'fuser {_store.Location.Replace("sqlite:", "")}' and try again.");
                }
                OnRetry?.Invoke(attempt);
                Thread.Sleep(StoreFailures.Backoff(_settings.RetryDelay, attempt, Jitter));
            }
        }
    }

    /// <summary>Logs an error event about a failure, without retries; queued when the store refuses it. Never throws.</summary>
    private void TryRecordError(string content)
    {
        var e = new NewEvent(InteractionChoice.Current, 0, _caller.Agent, EventType.Error, content);
        try
        {
            if (_queue.HasItems) { Enqueue(e); return; }
            var stored = _store.Events.Append(new[] { e }, TimeSpan.FromMilliseconds(200))[0];
            if (stored is not null) Announce(stored);
        }
        catch (Exception x) when (StoreFailures.Classify(x) != StoreFailureKind.Other || x is FastbandException)
        {
            try { Enqueue(e); } catch (FastbandException) { /* the failure being reported is what the caller hears */ }
        }
    }

    private void Announce(InteractionEvent stored)
    {
        if (stored.Type == EventType.Error) EventHandlers.Raise(ErrorRecorded, stored.ToNotice());
    }

    internal static string ValidateContent(string? content)
    {
        string text = content ?? "";
        if (text.Length > SeedEventLog.MaxContentLength)
            throw new InvalidInputException("EventTooLong", $"The content is {text.Length} characters long: keep it under {SeedEventLog.MaxContentLength} and point to a file for detail.");
        if (text.Contains('\0'))
            throw new InvalidInputException("InvalidContent", "The content holds a NUL character: remove it.");
        return text;
    }

    // ---------------------------------------------------------------- read

    public IReadOnlyList<InteractionEvent> Read(EventQuery query)
    {
        if (query.Limit < 0) throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.");
        var q = query with { Types = query.Types?.Select(EventType.Normalize).ToArray() };
        return _store.Events.Read(q);
    }

    // ---------------------------------------------------------------- import / export

    /// <summary>
    /// Imports a seed events.log. Each valid line becomes an event unless the same event is already stored: the
    /// key is the line's five fields plus how many identical lines came before it in the file, so importing a
    /// file twice, or a file that grew, adds each event once. Malformed lines go to events.error.log (once per
    /// line) and an error event names them; the rest is imported.
    /// </summary>
    public ImportResult Import(string path)
    {
        string full = Path.GetFullPath(path);
        byte[] content;
        try
        {
            content = File.ReadAllBytes(full);
        }
        catch (Exception x) when (x is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NotFoundException("FileNotFound", $"There is no file '{full}' to import: give the path of an events.log.");
        }
        TryReplay();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var batch = new List<NewEvent>(ImportBatch);
        var bad = new List<(int Line, byte[] Raw, string Reason)>();
        int lines = 0, imported = 0, present = 0;
        void Flush()
        {
            if (batch.Count == 0) return;
            var stored = WithRetry($"Importing {full}", wait => _store.Events.Append(batch, wait));
            int added = stored.Count(s => s is not null);
            imported += added;
            present += batch.Count - added;
            foreach (var s in stored) if (s is not null) Announce(s);
            batch.Clear();
        }
        void FlushOrFail()
        {
            try
            {
                Flush();
            }
            catch (Exception x) when (StoreFailures.Classify(x) == StoreFailureKind.Unwritable)
            {
                throw new StoreException($"Importing {full} stopped after {imported} new events: the store {_store.Location} cannot be written ({StoreFailures.Reason(x)}); fix it and import again (events already imported are skipped).", x);
            }
        }
        foreach (var line in SeedEventLog.Parse(content))
        {
            lines++;
            if (line.Event is not { } e) { bad.Add((line.Number, line.Raw, line.Reason!)); continue; }
            string fp = EventFingerprint.Of(e.Interaction, e.Actor, e.Type, e.Content, e.Timestamp!.Value);
            seen[fp] = seen.TryGetValue(fp, out int n) ? n + 1 : 1;
            batch.Add(e with { Occurrence = seen[fp] });
            if (batch.Count == ImportBatch) FlushOrFail();
        }
        FlushOrFail();
        string? errorLog = null;
        int newlyLogged = 0;
        if (bad.Count > 0)
        {
            (errorLog, newlyLogged) = AppendErrorLogCounting(full, bad);
            if (newlyLogged > 0)
                TryRecordError($"Import of {full}: {bad.Count} malformed line(s) ({Lines(bad.Select(b => b.Line))}) moved to {errorLog}; the other lines were imported.");
        }
        return new ImportResult
        {
            File = full, Lines = lines, Imported = imported, AlreadyPresent = present, Malformed = bad.Count, ErrorLog = errorLog,
            Problems = bad.Select(b => new ImportProblem(b.Line, b.Reason)).ToArray(),
        };
    }

    private static string Lines(IEnumerable<int> numbers)
    {
        var list = numbers.ToList();
        return list.Count <= 10 ? string.Join(", ", list) : string.Join(", ", list.Take(10)) + $" and {list.Count - 10} more";
    }

    private string AppendErrorLog(string source, IReadOnlyList<(int Line, byte[] Raw, string Reason)> lines) => AppendErrorLogCounting(source, lines).Path;

    /// <summary>
    /// Appends one JSON line per bad line to events.error.log: the file, line number, reason, and the line (as
    /// text, or base64 when it is not UTF-8). A line already logged (same file, number and bytes) is skipped.
    /// </summary>
    private (string Path, int Added) AppendErrorLogCounting(string source, IReadOnlyList<(int Line, byte[] Raw, string Reason)> lines)
    {
        Directory.CreateDirectory(FilesDirectory);
        string path = Path.Combine(FilesDirectory, ErrorLogFileName);
        var logged = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            foreach (string l in File.ReadLines(path))
            {
                try
                {
                    using var doc = JsonDocument.Parse(l);
                    var r = doc.RootElement;
                    logged.Add($"{r.GetProperty("file").GetString()}\n{r.GetProperty("line").GetInt32()}\n{r.GetProperty("hash").GetString()}");
                }
                catch (Exception x) when (x is JsonException or KeyNotFoundException or InvalidOperationException) { /* a hand-edited line */ }
            }
        }
        var sb = new StringBuilder();
        int added = 0;
        foreach (var (line, raw, reason) in lines)
        {
            string hash = SeedEventLog.LineHash(raw);
            if (!logged.Add($"{source}\n{line}\n{hash}")) continue;
            string? text = null;
            try { text = new UTF8Encoding(false, true).GetString(raw); } catch (DecoderFallbackException) { }
            sb.Append(JsonSerializer.Serialize(new ErrorLogLine(source, line, reason, text, text is null ? Convert.ToBase64String(raw) : null, hash,
                TimeSpec.Display(_clock.GetUtcNow())), FastbandJson.Compact)).Append('\n');
            added++;
        }
        if (added > 0)
        {
            using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            f.Write(Encoding.UTF8.GetBytes(sb.ToString()));
            f.Flush(flushToDisk: true);
        }
        return (path, added);
    }

    private sealed record ErrorLogLine(string File, int Line, string Reason, string? Text, string? Base64, string Hash, string LoggedAt);

    /// <summary>Exports events in the seed's format, in id order, to a file (replaced atomically) or a stream.</summary>
    public ExportResult Export(string path, EventQuery? query = null)
    {
        string full = Path.GetFullPath(path);
        var events = Read(query ?? new EventQuery());
        using var buffer = new MemoryStream();
        SeedEventLog.Write(buffer, events);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        AtomicFiles.Write(full, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return new ExportResult { File = full, Events = events.Count };
    }

    public ExportResult Export(Stream output, EventQuery? query = null)
    {
        var events = Read(query ?? new EventQuery());
        SeedEventLog.Write(output, events);
        return new ExportResult { File = "-", Events = events.Count };
    }

    // ---------------------------------------------------------------- snapshot

    /// <summary>
    /// Writes communication.md (the last K interactions between the markers) and archive.md (every older one).
    /// Nothing is written when both already hold exactly this content. Otherwise each file is written to a temp
    /// file and renamed over the old one, the previous communication.md first kept as communication.md.bak; if
    /// any write fails the old files stay as they were, an error event is logged, and the call fails.
    /// </summary>
    public SnapshotResult Snapshot()
    {
        TryReplay();
        long latest = _store.Events.LatestId();
        var events = _store.Events.ReadByInteraction();
        var (communication, archive, recent, archived) = SnapshotRenderer.Render(events, _settings);
        string commPath = Path.Combine(FilesDirectory, CommunicationFileName);
        string archivePath = Path.Combine(FilesDirectory, ArchiveFileName);
        byte[] commBytes = AtomicFiles.Utf8.GetBytes(communication);
        byte[] archiveBytes = AtomicFiles.Utf8.GetBytes(archive);
        bool changed;
        try
        {
            Directory.CreateDirectory(FilesDirectory);
            using var held = SnapshotLock();
            changed = Replace(commPath, commBytes, archivePath, archiveBytes);
        }
        catch (Exception x) when (x is IOException or UnauthorizedAccessException)
        {
            string message = $"Writing the snapshot in {FilesDirectory} failed ({x.Message.TrimEnd('.')}): {CommunicationFileName} and {ArchiveFileName} were left as they were";
            TryRecordError(message + ".");
            throw new FastbandException(FailureKind.Failed, "SnapshotFailed", $"{message}; free disk space or fix the folder's permissions, then run 'fastband events snapshot' again.", x);
        }
        return new SnapshotResult
        {
            CommunicationFile = commPath, ArchiveFile = archivePath, RecentInteractions = recent, ArchivedInteractions = archived,
            Events = events.Count, LatestId = latest, Changed = changed,
        };
    }

    private static bool Replace(string commPath, byte[] commBytes, string archivePath, byte[] archiveBytes)
    {
        bool commChanged = !AtomicFiles.SameContent(commPath, commBytes);
        bool archiveChanged = !AtomicFiles.SameContent(archivePath, archiveBytes);
        if (!commChanged && !archiveChanged) return false;
        string bak = commPath + BackupSuffix;
        try
        {
            // Every byte is on disk in temp files before any old file is touched.
            if (archiveChanged) AtomicFiles.WriteTemp(archivePath, archiveBytes);
            if (commChanged)
            {
                AtomicFiles.WriteTemp(commPath, commBytes);
                if (File.Exists(commPath)) AtomicFiles.WriteTemp(bak, File.ReadAllBytes(commPath));
            }
            if (archiveChanged) AtomicFiles.Commit(archivePath);
            if (commChanged)
            {
                if (File.Exists(AtomicFiles.TempFor(bak))) AtomicFiles.Commit(bak);
                AtomicFiles.Commit(commPath);
            }
            return true;
        }
        finally
        {
            AtomicFiles.Discard(archivePath);
            AtomicFiles.Discard(commPath);
            AtomicFiles.Discard(bak);
        }
    }

    /// <summary>One snapshot writer at a time per project, so the fixed temp names never collide.</summary>
    private FileStream SnapshotLock()
    {
        string path = Path.Combine(_stateDirectory, "events.snapshot.lock");
        Directory.CreateDirectory(_stateDirectory);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>
    /// Writes the snapshot now and again whenever new events arrive, until cancelled; yields each run that
    /// wrote something or failed. A failed run is reported and watching goes on; it is retried when an event
    /// arrives that is not its own error event.
    /// </summary>
    public IEnumerable<SnapshotResult> Watch(CancellationToken cancellation, IEventWakeup? wakeup = null)
    {
        // Listening starts before the first read, so that nothing committed between that read and the first wait is slept through.
        using var own = wakeup is null ? StoreWakeup.Listen(_store, _settings.PollInterval, OnWakeup) : null;
        wakeup ??= own!;
        long done = -1;
        bool first = true;
        while (!cancellation.IsCancellationRequested)
        {
            TryReplay();
            long latest = _store.Events.LatestId();
            if (latest != done)
            {
                SnapshotResult result;
                try
                {
                    result = Snapshot();
                    done = result.LatestId;
                }
                catch (FastbandException x)
                {
                    done = _store.Events.LatestId(); // including the error event just logged
                    result = new SnapshotResult { Error = x.Message, LatestId = done };
                }
                if (result.Changed || result.Error is not null || first) yield return result;
                first = false;
                continue; // events that arrived during the run are picked up at once
            }
            wakeup.Wait(done, cancellation);
        }
    }

    // ---------------------------------------------------------------- cursors

    private string CheckpointPath(string agent) => Path.Combine(FilesDirectory, $"agent-{agent}.checkpoint");

    /// <summary>
    /// The caller's cursor: the stored one, else one taken from the seed's checkpoint file (everything up to the
    /// interaction it names counts as handled), else 0.
    /// </summary>
    public EventCursor Cursor()
    {
        long acked = EffectiveCursor();
        return new EventCursor
        {
            Agent = _caller.Agent, AckedId = acked, Interaction = acked == 0 ? 0 : _store.Events.InteractionOf(acked) ?? 0,
            Pending = _store.Events.CountAfter(acked), CheckpointFile = CheckpointPath(_caller.Agent),
        };
    }

    private long EffectiveCursor()
    {
        if (_store.Events.Cursor(_caller.Agent) is { } stored) return stored;
        string file = CheckpointPath(_caller.Agent);
        if (File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long interaction))
            return _store.Events.LastIdUpToInteraction(interaction);
        return 0;
    }

    /// <summary>The events after the caller's cursor, oldest first, at most <paramref name="limit"/> (0: all). Reading moves nothing.</summary>
    public IReadOnlyList<InteractionEvent> Next(int limit = DefaultNextLimit)
    {
        if (limit < 0) throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.");
        TryReplay();
        return _store.Events.Read(new EventQuery { AfterId = EffectiveCursor(), First = limit });
    }

    /// <summary>
    /// <see cref="Next(int)"/>, and with <paramref name="acknowledge"/> the cursor moved to the last event returned: read
    /// and acknowledge in one step, the same in every front end.
    /// </summary>
    public IReadOnlyList<InteractionEvent> Next(int limit, bool acknowledge)
    {
        var events = Next(limit);
        if (acknowledge && events.Count > 0) Ack(events[^1].Id);
        return events;
    }

    /// <summary>How many events there are after <paramref name="id"/>: what is left once <see cref="Next(int)"/> returned up to it.</summary>
    public long CountAfter(long id) => _store.Events.CountAfter(id);

    /// <summary>
    /// Acknowledges every event up to <paramref name="upTo"/>: the cursor moves forward (never back), then the
    /// seed's agent-&lt;id&gt;.checkpoint file is rewritten (atomically) with that event's interaction.
    /// </summary>
    public EventCursor Ack(long upTo)
    {
        if (upTo < 1) throw new InvalidInputException("InvalidEventId", $"{upTo} is not an event id: ids start at 1; see them with 'fastband events next'.");
        if (_store.Events.InteractionOf(upTo) is null)
            throw new NotFoundException("EventNotFound", $"There is no event #{upTo}, so nothing was acknowledged: acknowledge an id that 'fastband events next' showed you.");
        long floor = EffectiveCursor(); // a cursor taken from a checkpoint file is stored by the first ack
        var (acked, interaction, pending) = WithRetry("Acknowledging events", wait => _store.Events.Ack(_caller.Agent, Math.Max(upTo, floor), _clock.GetUtcNow(), wait));
        string checkpoint = CheckpointPath(_caller.Agent);
        Directory.CreateDirectory(FilesDirectory);
        AtomicFiles.Write(checkpoint, Encoding.ASCII.GetBytes(interaction.ToString(CultureInfo.InvariantCulture) + "\n"));
        return new EventCursor { Agent = _caller.Agent, AckedId = acked, Interaction = interaction, Pending = pending, CheckpointFile = checkpoint };
    }

    // ---------------------------------------------------------------- health

    /// <summary>The event log's part of <c>fastband health</c>: the offline queue and recent error events.</summary>
    /// <summary>The error events since a time, newest first (at most <paramref name="limit"/>): what health reports.</summary>
    public IReadOnlyList<EventNotice> ErrorsSince(DateTimeOffset since, int limit) =>
        Read(new EventQuery { Types = new[] { EventType.Error }, Since = since, Limit = limit }).Reverse().Select(e => e.ToNotice()).ToArray();
}

/// <summary>What an import did.</summary>
public sealed class ImportResult
{
    public string File { get; init; } = "";
    public int Lines { get; init; }
    public int Imported { get; init; }

    /// <summary>Valid lines whose event was already stored (an earlier import of the same lines, or the event itself).</summary>
    public int AlreadyPresent { get; init; }

    public int Malformed { get; init; }

    /// <summary>Where the malformed lines went, or null when there were none.</summary>
    public string? ErrorLog { get; init; }

    public IReadOnlyList<ImportProblem> Problems { get; init; } = Array.Empty<ImportProblem>();

    public override string ToString() =>
        $"Imported {Imported} of {Lines} lines from {File} ({AlreadyPresent} already present, {Malformed} malformed{(ErrorLog is null ? "" : $", see {ErrorLog}")}).";
}

public sealed record ImportProblem(int Line, string Reason);

public sealed class ExportResult
{
    public string File { get; init; } = "";
    public int Events { get; init; }

    public override string ToString() => $"Exported {Events} events to {File}.";
}

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
    public static StoreWakeup Listen(IFastbandStore store, TimeSpan poll, Action<bool>? woke = null)
    {
        IChangeListener listener;
        try
        {
            listener = store.Notifications.Listen(StoreTopics.Events);
        }
        catch (StoreException)
        {
            listener = PollingNotifications.Instance.Listen(StoreTopics.Events);
        }
        return new StoreWakeup(store.Events, listener, poll, woke);
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
