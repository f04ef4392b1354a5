using Fastband.Core.Store;

namespace Fastband.Core.Events;

/// <summary>
/// The markdown transcript of the log: communication.md (the last K interactions, between the seed's markers) and
/// archive.md (every older one), rendered by <see cref="TranscriptRenderer"/> and replaced atomically, once or
/// (watch) whenever new events arrive.
/// </summary>
internal sealed class TranscriptWriter(EventLog log, IEventStore eventStore, IStoreNotifications notifications, EventsSettings settings, string filesDirectory, string stateDirectory)
{
    public const string CommunicationFileName = "communication.md";
    public const string ArchiveFileName = "archive.md";
    public const string BackupSuffix = ".bak";

    /// <summary>Where communication.md and archive.md go.</summary>
    public string FilesDirectory { get; } = filesDirectory;

    /// <summary>Called after each wait of the default watch wake-up: true when a store notification ended it (tests tell push from poll).</summary>
    internal Action<bool>? OnWakeup { get; set; }

    /// <summary>
    /// Writes communication.md (the last K interactions between the markers) and archive.md (every older one).
    /// Nothing is written when both already hold exactly this content. Otherwise each file is written to a temp
    /// file and renamed over the old one, the previous communication.md first kept as communication.md.bak; if
    /// any write fails the old files stay as they were, an error event is logged, and the call fails.
    /// </summary>
    public TranscriptResult Write()
    {
        log.TryReplay();
        long latest = eventStore.LatestId();
        var events = eventStore.ReadByInteraction();
        var (communication, archive, recent, archived) = TranscriptRenderer.Render(events, settings);
        string commPath = Path.Combine(FilesDirectory, CommunicationFileName);
        string archivePath = Path.Combine(FilesDirectory, ArchiveFileName);
        byte[] commBytes = AtomicFiles.Utf8.GetBytes(communication);
        byte[] archiveBytes = AtomicFiles.Utf8.GetBytes(archive);
        bool changed;
        try
        {
            Directory.CreateDirectory(FilesDirectory);
            using var held = TranscriptLock();
            changed = Replace(commPath, commBytes, archivePath, archiveBytes);
        }
        catch (Exception x) when (x is IOException or UnauthorizedAccessException)
        {
            string message = $"Writing the transcript in {FilesDirectory} failed ({x.Message.TrimEnd('.')}): {CommunicationFileName} and {ArchiveFileName} were left as they were";
            log.TryRecordError(message + ".");
            throw new FastbandException(FailureKind.Failed, "TranscriptFailed", $"{message}; free disk space or fix the folder's permissions, then run 'fastband events transcript' again.", x);
        }
        return new TranscriptResult
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

    /// <summary>One transcript writer at a time per project, so the fixed temp names never collide.</summary>
    private FileStream TranscriptLock()
    {
        string path = Path.Combine(stateDirectory, "events.snapshot.lock");
        Directory.CreateDirectory(stateDirectory);
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
    /// Writes the transcript now and again whenever new events arrive, until cancelled; yields each run that
    /// wrote something or failed. A failed run is reported and watching goes on; it is retried when an event
    /// arrives that is not its own error event.
    /// </summary>
    public IEnumerable<TranscriptResult> Watch(CancellationToken cancellation, IEventWakeup? wakeup = null)
    {
        // Listening starts before the first read, so that nothing committed between that read and the first wait is slept through.
        using var own = wakeup is null ? StoreWakeup.Listen(eventStore, notifications, settings.PollInterval, OnWakeup) : null;
        wakeup ??= own!;
        long done = -1;
        bool first = true;
        while (!cancellation.IsCancellationRequested)
        {
            log.TryReplay();
            long latest = eventStore.LatestId();
            if (latest != done)
            {
                TranscriptResult result;
                try
                {
                    result = Write();
                    done = result.LatestId;
                }
                catch (FastbandException x)
                {
                    done = eventStore.LatestId(); // including the error event just logged
                    result = new TranscriptResult { Error = x.Message, LatestId = done };
                }
                if (result.Changed || result.Error is not null || first) yield return result;
                first = false;
                continue; // events that arrived during the run are picked up at once
            }
            wakeup.Wait(done, cancellation);
        }
    }
}
