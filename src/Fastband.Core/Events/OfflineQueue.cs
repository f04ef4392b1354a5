using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fastband.Core.Events;

/// <summary>
/// .fastband/events.offline.log: events that could not be stored, one JSON object per line, each with a unique
/// id. Appends are fsynced; replay appends them to the store in file order, where the uid makes a second replay
/// (after a crash between the store's commit and the truncation of this file) a no-op. Appends and replays take
/// an OS lock on events.offline.lock, so a replay never truncates an event appended while it ran.
/// </summary>
internal sealed class OfflineQueue
{
    public const string FileName = "events.offline.log";

    private readonly string _lockPath;

    public OfflineQueue(string stateDirectory)
    {
        Path = System.IO.Path.Combine(stateDirectory, FileName);
        _lockPath = System.IO.Path.Combine(stateDirectory, "events.offline.lock");
    }

    public string Path { get; }

    /// <summary>Cheap enough to ask before every write: one stat.</summary>
    public bool HasItems
    {
        get
        {
            var info = new FileInfo(Path);
            return info.Exists && info.Length > 0;
        }
    }

    public int Count()
    {
        if (!HasItems) return 0;
        try
        {
            return File.ReadLines(Path).Count(l => l.Length > 0);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    internal sealed record Line(string Uid, string Choice, long Interaction, string Actor, string Type, string Content, string Timestamp);

    public void Append(NewEvent e)
    {
        var line = new Line(e.Uid!, e.Choice.ToString(), e.Interaction, e.Actor, e.Type, e.Content,
            e.Timestamp!.Value.ToString("O", CultureInfo.InvariantCulture));
        byte[] bytes = Encoding.UTF8.GetBytes(FastbandJson.Serialize(line, indented: false) + "\n");
        using var held = Lock();
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Hands the queued events, oldest first, to <paramref name="store"/> and empties the queue once it returned.
    /// Lines that cannot be read (a torn last line after a crash) are returned for the error log and dropped.
    /// </summary>
    public (IReadOnlyList<InteractionEvent?> Stored, IReadOnlyList<(int Line, string Text, string Reason)> Torn) Replay(
        Func<IReadOnlyList<NewEvent>, IReadOnlyList<InteractionEvent?>> store)
    {
        using var held = Lock();
        if (!HasItems) return (Array.Empty<InteractionEvent?>(), Array.Empty<(int, string, string)>());
        var events = new List<NewEvent>();
        var torn = new List<(int, string, string)>();
        int number = 0;
        foreach (string text in File.ReadAllLines(Path, Encoding.UTF8))
        {
            number++;
            if (text.Length == 0) continue;
            try
            {
                var l = FastbandJson.Deserialize<Line>(text) ?? throw new JsonException("null");
                events.Add(new NewEvent(Enum.Parse<InteractionChoice>(l.Choice), l.Interaction, l.Actor, l.Type, l.Content)
                {
                    Uid = l.Uid,
                    Timestamp = DateTimeOffset.Parse(l.Timestamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                });
            }
            catch (Exception x) when (x is JsonException or FormatException or ArgumentException or NotSupportedException)
            {
                torn.Add((number, text, "an offline queue line that cannot be read (torn by a crash?): " + x.Message));
            }
        }
        var stored = store(events);
        File.Delete(Path);
        return (stored, torn);
    }

    /// <summary>An OS lock between processes (.NET takes flock for FileShare.None), waited for up to 30 s.</summary>
    private FileStream Lock()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(_lockPath))
            {
                Thread.Sleep(5);
            }
        }
    }
}
