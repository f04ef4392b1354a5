using System.Text;

namespace Fastband.Core.Events;

/// <summary>What a transcript run did.</summary>
public sealed class TranscriptResult
{
    public string CommunicationFile { get; init; } = "";
    public string ArchiveFile { get; init; } = "";

    /// <summary>The interactions communication.md shows, oldest first.</summary>
    public IReadOnlyList<long> RecentInteractions { get; init; } = Array.Empty<long>();

    /// <summary>How many older interactions archive.md holds.</summary>
    public int ArchivedInteractions { get; init; }

    public int Events { get; init; }

    /// <summary>The highest event id the transcript includes.</summary>
    public long LatestId { get; init; }

    /// <summary>False when both files already held exactly this content: nothing was written.</summary>
    public bool Changed { get; init; }

    /// <summary>Set only in watch mode, where a failed run is reported and watching goes on.</summary>
    public string? Error { get; init; }

    public override string ToString() => Error is not null
        ? $"Transcript failed: {Error}"
        : $"{(Changed ? "Wrote" : "Unchanged:")} {CommunicationFile} (interactions {(RecentInteractions.Count == 0 ? "none" : string.Join(", ", RecentInteractions))}) and {ArchiveFile} ({ArchivedInteractions} older interactions); {Events} events up to #{LatestId}.";
}

/// <summary>
/// Renders communication.md and archive.md. The output depends only on the events and the settings (no clock,
/// no machine), with '\n' line endings and UTF-8 without a BOM, so the same input gives the same bytes.
/// </summary>
internal static class TranscriptRenderer
{
    public const string Begin = "<!-- BEGIN COMMUNICATION -->";
    public const string End = "<!-- END COMMUNICATION -->";

    /// <summary>Renders both files from every event, ordered by interaction then id.</summary>
    public static (string Communication, string Archive, IReadOnlyList<long> Recent, int Archived) Render(
        IReadOnlyList<InteractionEvent> events, EventsSettings settings)
    {
        var groups = new List<(long Interaction, int Start, int Count)>();
        for (int n = 0; n < events.Count; n++)
        {
            if (groups.Count > 0 && groups[^1].Interaction == events[n].Interaction) groups[^1] = (groups[^1].Interaction, groups[^1].Start, groups[^1].Count + 1);
            else groups.Add((events[n].Interaction, n, 1));
        }
        int k = Math.Min(settings.RecentInteractions, groups.Count);
        int archived = groups.Count - k;

        var comm = new StringBuilder(4096);
        comm.Append("# ").Append(settings.Title).Append("\n\n").Append(Begin).Append('\n');
        if (k == 0) comm.Append("_No interactions yet._\n");
        for (int g = archived; g < groups.Count; g++) Interaction(comm, events, groups[g], level: 3, settings);
        comm.Append(End).Append('\n');

        var archive = new StringBuilder(Math.Max(4096, events.Count * 96));
        archive.Append("# Communication Archive\n\n");
        if (archived == 0) archive.Append("_No older interactions._\n");
        for (int g = 0; g < archived; g++) Interaction(archive, events, groups[g], level: 2, settings);

        return (comm.ToString(), archive.ToString(), groups.Skip(archived).Select(x => x.Interaction).ToArray(), archived);
    }

    /// <summary>
    /// "Interaction #N", then a heading each time the event type changes (so a question, its answer and a
    /// follow-up read in the order they happened), then one bullet per event.
    /// </summary>
    private static void Interaction(StringBuilder sb, IReadOnlyList<InteractionEvent> events, (long Interaction, int Start, int Count) group, int level, EventsSettings settings)
    {
        sb.Append('#', level).Append(" Interaction #").Append(group.Interaction).Append('\n');
        string? type = null;
        for (int n = group.Start; n < group.Start + group.Count; n++)
        {
            var e = events[n];
            if (e.Type != type)
            {
                type = e.Type;
                sb.Append('\n').Append('#', level + 1).Append(' ').Append(settings.HeadingFor(type)).Append('\n');
            }
            sb.Append("- [").Append(Inline(e.Actor)).Append(' ').Append(EventFingerprint.SeedTime(e.Timestamp)).Append(']');
            if (e.Content.Length == 0) sb.Append('\n');
            else Content(sb.Append(' '), e.Content);
        }
        sb.Append('\n');
    }

    /// <summary>Continuation lines indented under the bullet; "&lt;!--" escaped so content can never fake the markers.</summary>
    private static void Content(StringBuilder sb, string content)
    {
        string text = content.Replace("\r\n", "\n").Replace('\r', '\n').Replace("<!--", "&lt;!--");
        int start = 0;
        while (true)
        {
            int nl = text.IndexOf('\n', start);
            if (nl < 0) { sb.Append(text, start, text.Length - start).Append('\n'); return; }
            sb.Append(text, start, nl - start).Append("\n  ");
            start = nl + 1;
        }
    }

    private static string Inline(string s) => s.Replace('\n', ' ').Replace('\r', ' ').Replace("<!--", "&lt;!--");
}

/// <summary>
/// Replaces files so that a reader sees the old version or the new one, never half of one: each new file is
/// written to a temp file beside it and fsynced, then renamed over the old one. Callers serialise runs.
/// </summary>
internal static class AtomicFiles
{
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static string TempFor(string path) => path + ".tmp";

    public static void WriteTemp(string path, ReadOnlySpan<byte> bytes)
    {
        using var f = new FileStream(TempFor(path), FileMode.Create, FileAccess.Write, FileShare.None);
        f.Write(bytes);
        f.Flush(flushToDisk: true);
    }

    public static void Commit(string path) => File.Move(TempFor(path), path, overwrite: true);

    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            WriteTemp(path, bytes);
            Commit(path);
        }
        catch
        {
            Discard(path);
            throw;
        }
    }

    public static void Discard(string path)
    {
        try { if (File.Exists(TempFor(path))) File.Delete(TempFor(path)); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public static bool SameContent(string path, byte[] bytes)
    {
        var info = new FileInfo(path);
        return info.Exists && info.Length == bytes.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes);
    }
}
