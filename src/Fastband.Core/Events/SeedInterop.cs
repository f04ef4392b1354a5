using Fastband.Core.Store;

namespace Fastband.Core.Events;

/// <summary>
/// The seed's events.log, both ways: import (each event once however often a file is imported, malformed lines
/// to events.error.log) and export in the seed's format.
/// </summary>
internal sealed class SeedInterop(EventLog log, IEventStore eventStore, EventErrorLog errors)
{
    private const int ImportBatch = 5000;

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
        log.TryReplay();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var batch = new List<NewEvent>(ImportBatch);
        var bad = new List<(int Line, byte[] Raw, string Reason)>();
        int lines = 0, imported = 0, present = 0;
        void Flush()
        {
            if (batch.Count == 0) return;
            var stored = log.WithRetry($"Importing {full}", wait => eventStore.Append(batch, wait));
            int added = stored.Count(s => s is not null);
            imported += added;
            present += batch.Count - added;
            foreach (var s in stored) if (s is not null) log.Announce(s);
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
                throw new StoreException($"Importing {full} stopped after {imported} new events: the store {log.StoreLocation} cannot be written ({StoreFailures.Reason(x)}); fix it and import again (events already imported are skipped).", x);
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
            (errorLog, newlyLogged) = errors.Append(full, bad);
            if (newlyLogged > 0)
                log.TryRecordError($"Import of {full}: {bad.Count} malformed line(s) ({Lines(bad.Select(b => b.Line))}) moved to {errorLog}; the other lines were imported.");
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

    /// <summary>Exports events in the seed's format, in id order, to a file (replaced atomically) or a stream.</summary>
    public ExportResult Export(string path, EventQuery? query = null)
    {
        string full = Path.GetFullPath(path);
        var events = log.Read(query ?? new EventQuery());
        using var buffer = new MemoryStream();
        SeedEventLog.Write(buffer, events);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        AtomicFiles.Write(full, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return new ExportResult { File = full, Events = events.Count };
    }

    /// <summary>Exports events in the seed's format, in id order, to a stream (the CLI's <c>-</c>: standard output).</summary>
    public ExportResult Export(Stream output, EventQuery? query = null)
    {
        var events = log.Read(query ?? new EventQuery());
        SeedEventLog.Write(output, events);
        return new ExportResult { File = "-", Events = events.Count };
    }
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

/// <summary>A line an import could not read, and why.</summary>
public sealed record ImportProblem(int Line, string Reason);

/// <summary>What an export wrote.</summary>
public sealed class ExportResult
{
    public string File { get; init; } = "";
    public int Events { get; init; }

    public override string ToString() => $"Exported {Events} events to {File}.";
}
