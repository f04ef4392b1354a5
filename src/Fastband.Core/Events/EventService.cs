namespace Fastband.Core.Events;

/// <summary>
/// The interaction event log (seed 002) as the CLI and the cmdlets call it (<c>project.Events</c>): each entry
/// point hands over to the part that does the work: <see cref="EventLog"/> (log and read, with retries and the
/// offline queue), <see cref="SeedInterop"/> (the seed's events.log in and out), <see cref="TranscriptWriter"/>
/// (communication.md and archive.md, once or watching) and <see cref="EventCursors"/> (next and ack, with the
/// seed's checkpoint files). It is the <see cref="IEventRecorder"/> other features write events through.
/// </summary>
public sealed class EventService : IEventRecorder
{
    /// <summary>How many events one next call returns unless told otherwise.</summary>
    public const int DefaultNextLimit = 100;

    private readonly EventLog _log;
    private readonly SeedInterop _seed;
    private readonly TranscriptWriter _transcripts;
    private readonly EventCursors _cursors;

    internal EventService(EventLog log, SeedInterop seed, TranscriptWriter transcripts, EventCursors cursors) =>
        (_log, _seed, _transcripts, _cursors) = (log, seed, transcripts, cursors);

    /// <summary>Where communication.md, archive.md, events.error.log and the checkpoint files go.</summary>
    public string FilesDirectory => _transcripts.FilesDirectory;

    /// <inheritdoc cref="EventLog.OfflineQueuePath"/>
    public string OfflineQueuePath => _log.OfflineQueuePath;

    /// <inheritdoc cref="EventLog.OfflineQueueLength"/>
    public int OfflineQueueLength => _log.OfflineQueueLength;

    /// <inheritdoc cref="EventLog.ErrorRecorded"/>
    public event Action<EventNotice>? ErrorRecorded
    {
        add => _log.ErrorRecorded += value;
        remove => _log.ErrorRecorded -= value;
    }

    /// <inheritdoc cref="EventLog.OnRetry"/>
    internal Action<int>? OnRetry
    {
        get => _log.OnRetry;
        set => _log.OnRetry = value;
    }

    /// <inheritdoc cref="TranscriptWriter.OnWakeup"/>
    internal Action<bool>? OnWakeup
    {
        get => _transcripts.OnWakeup;
        set => _transcripts.OnWakeup = value;
    }

    /// <inheritdoc cref="EventLog.Log"/>
    public InteractionEvent Log(string type, string content, long? interaction = null, bool newInteraction = false) =>
        _log.Log(type, content, interaction, newInteraction);

    EventNotice IEventRecorder.Record(string type, string content) => ((IEventRecorder)_log).Record(type, content);

    /// <inheritdoc cref="EventLog.TryReplay"/>
    public IReadOnlyList<(string Uid, InteractionEvent Stored)>? TryReplay() => _log.TryReplay();

    /// <inheritdoc cref="EventLog.Read"/>
    public IReadOnlyList<InteractionEvent> Read(EventQuery query) => _log.Read(query);

    /// <inheritdoc cref="EventLog.ErrorsSince"/>
    public IReadOnlyList<EventNotice> ErrorsSince(DateTimeOffset since, int limit) => _log.ErrorsSince(since, limit);

    /// <inheritdoc cref="SeedInterop.Import"/>
    public ImportResult Import(string path) => _seed.Import(path);

    /// <inheritdoc cref="SeedInterop.Export(string, EventQuery?)"/>
    public ExportResult Export(string path, EventQuery? query = null) => _seed.Export(path, query);

    /// <inheritdoc cref="SeedInterop.Export(Stream, EventQuery?)"/>
    public ExportResult Export(Stream output, EventQuery? query = null) => _seed.Export(output, query);

    /// <inheritdoc cref="TranscriptWriter.Write"/>
    public TranscriptResult WriteTranscript() => _transcripts.Write();

    /// <inheritdoc cref="TranscriptWriter.Watch"/>
    public IEnumerable<TranscriptResult> Watch(CancellationToken cancellation, IEventWakeup? wakeup = null) => _transcripts.Watch(cancellation, wakeup);

    /// <inheritdoc cref="EventCursors.Cursor"/>
    public EventCursor Cursor() => _cursors.Cursor();

    /// <inheritdoc cref="EventCursors.Next(int)"/>
    public IReadOnlyList<InteractionEvent> Next(int limit = DefaultNextLimit) => _cursors.Next(limit);

    /// <inheritdoc cref="EventCursors.Next(int, bool)"/>
    public IReadOnlyList<InteractionEvent> Next(int limit, bool acknowledge) => _cursors.Next(limit, acknowledge);

    /// <inheritdoc cref="EventCursors.CountAfter"/>
    public long CountAfter(long id) => _cursors.CountAfter(id);

    /// <inheritdoc cref="EventCursors.Ack"/>
    public EventCursor Ack(long upTo) => _cursors.Ack(upTo);
}
