using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fastband.Bench;

/// <summary>
/// The baseline: a faithful C# port of the seed's ops log (seed 000, <c>AgentOpsLog</c>), kept here only to be
/// measured against. Entries live in <c>.fastband/agent_ops/current.json</c> as <c>{"entries": [...]}</c>.
/// <see cref="Write"/> takes an exclusive flock on <c>.ops_log.lock</c>, loads the whole file, appends one entry,
/// rewrites the whole file indented, and releases the lock. <see cref="Read"/> loads the whole file, filters,
/// sorts newest first and takes the limit.
/// </summary>
/// <remarks>
/// Kept as the seed has it: no fsync (Python's <c>json.dump</c> into <c>open(path, "w")</c> only reaches the page
/// cache), the file truncated and rewritten in place (not a temp file and a rename), a blocking <c>flock</c> held
/// for the load-append-save. The seed's write also calls <c>_maybe_rotate()</c>, which the seed never defines; the
/// port leaves it out, which can only make the baseline faster. Where a choice was open it favours the baseline:
/// typed source-generated System.Text.Json rather than a generic DOM such as Python's dicts.
/// </remarks>
public sealed class JsonOpsLogBaseline
{
    public static readonly IReadOnlySet<string> EventTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "clearance_granted", "hold", "rebuild_requested", "rebuild_complete", "ticket_claimed",
        "ticket_completed", "status_update", "review_complete", "general",
    };

    private readonly bool _useLock;

    /// <param name="projectPath">The project root; state goes to <c>.fastband/agent_ops/</c> under it.</param>
    /// <param name="useLock">False only for the negative control, which shows that the lock is what prevents losses.</param>
    public JsonOpsLogBaseline(string projectPath, bool useLock = true)
    {
        _useLock = useLock;
        BasePath = Path.Combine(projectPath, ".fastband", "agent_ops");
        CurrentFile = Path.Combine(BasePath, "current.json");
        ArchiveDirectory = Path.Combine(BasePath, "archive");
        LockFile = Path.Combine(BasePath, ".ops_log.lock");
        EnsureStructure();
    }

    public string BasePath { get; }
    public string CurrentFile { get; }
    public string ArchiveDirectory { get; }
    public string LockFile { get; }

    private void EnsureStructure()
    {
        Directory.CreateDirectory(BasePath);
        Directory.CreateDirectory(ArchiveDirectory);
        if (!File.Exists(CurrentFile)) SaveJson(CurrentFile, new BaselineLogFile());
    }

    // ---------------------------------------------------------------- write

    /// <summary>Appends an entry: <c>{"success": true, "entry_id": ..., "formatted": ...}</c> in the seed.</summary>
    public BaselineWriteResult Write(string agent, string eventType, string message, string? ticketId = null,
        Dictionary<string, JsonElement>? metadata = null)
    {
        if (!EventTypes.Contains(eventType))
            return new BaselineWriteResult(false, null, null, $"Invalid event_type: {eventType}");

        var entry = new BaselineEntry
        {
            Id = Guid.NewGuid().ToString()[..8], // str(uuid.uuid4())[:8]
            Timestamp = IsoFormat(DateTime.Now), // datetime.now().isoformat(): local time, no offset
            Agent = agent,
            EventType = eventType,
            Message = message,
            TicketId = ticketId,
            Metadata = metadata ?? new Dictionary<string, JsonElement>(),
        };

        using (FileLock())
        {
            var data = LoadJson(CurrentFile);
            data.Entries.Add(entry);
            SaveJson(CurrentFile, data);
            // self._maybe_rotate(): not defined in the seed; left out.
        }
        return new BaselineWriteResult(true, entry.Id, entry.FormatDisplay(), null);
    }

    // ---------------------------------------------------------------- read

    /// <summary>
    /// The seed's <c>read(since="1h", agent=None, event_type=None, limit=50)</c>: loads every entry, keeps those at
    /// or after the cutoff (and of the agent and type, if given), sorts them newest first by timestamp text and
    /// takes <paramref name="limit"/>. As in Python's <c>filtered[:limit]</c>, a limit of 0 returns nothing:
    /// pass <see cref="int.MaxValue"/> for everything.
    /// </summary>
    public IReadOnlyList<BaselineEntry> Read(TimeSpan since, string? agent = null, string? eventType = null, int limit = 50)
    {
        var cutoff = DateTime.Now - since; // _parse_since("1h"): datetime.now() - timedelta(hours=1)
        var data = LoadJson(CurrentFile);
        var filtered = new List<BaselineEntry>();
        foreach (var entry in data.Entries)
        {
            var entryTime = FromIsoFormat(entry.Timestamp);
            if (entryTime < cutoff) continue;
            if (agent is not null && entry.Agent != agent) continue;
            if (eventType is not null && entry.EventType != eventType) continue;
            filtered.Add(entry);
        }
        // filtered.sort(key=lambda e: e.timestamp, reverse=True): a stable sort on the text.
        return filtered.OrderByDescending(e => e.Timestamp, StringComparer.Ordinal).Take(Math.Max(limit, 0)).ToList();
    }

    // ---------------------------------------------------------------- files

    public static BaselineLogFile LoadJson(string path)
    {
        // with open(path) as f: return json.load(f)
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        return JsonSerializer.Deserialize(stream, BaselineJsonContext.Default.BaselineLogFile)
               ?? throw new JsonException($"'{path}' holds null.");
    }

    public static void SaveJson(string path, BaselineLogFile data)
    {
        // with open(path, "w") as f: json.dump(data, f, indent=2): truncate in place, rewrite, close; no fsync.
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        JsonSerializer.Serialize(stream, data, BaselineJsonContext.Default.BaselineLogFile);
    }

    /// <summary><c>with self._file_lock():</c> an exclusive, blocking flock on <c>.ops_log.lock</c>, released on close.</summary>
    private IDisposable FileLock()
    {
        if (!_useLock) return NoLock.Instance;
        return OperatingSystem.IsWindows() ? WindowsExclusiveFile.Acquire(LockFile) : UnixFlock.Acquire(LockFile);
    }

    // ---------------------------------------------------------------- isoformat

    /// <summary>Python's <c>datetime.isoformat()</c> of a naive datetime: microseconds only when non-zero.</summary>
    public static string IsoFormat(DateTime t)
    {
        long micros = t.Ticks % TimeSpan.TicksPerSecond / 10;
        return micros == 0
            ? t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
    }

    private static readonly string[] IsoFormats = { "yyyy-MM-dd'T'HH:mm:ss.ffffff", "yyyy-MM-dd'T'HH:mm:ss" };

    /// <summary><c>datetime.fromisoformat(text)</c> for what <see cref="IsoFormat"/> writes.</summary>
    public static DateTime FromIsoFormat(string text) =>
        DateTime.ParseExact(text, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.None);

    // ---------------------------------------------------------------- locks

    private sealed class NoLock : IDisposable
    {
        public static readonly NoLock Instance = new();
        public void Dispose() { }
    }

    /// <summary><c>open(lock_file, "w")</c> then <c>fcntl.flock(fd, LOCK_EX)</c>, which blocks until granted.</summary>
    private sealed class UnixFlock : IDisposable
    {
        private const int LOCK_EX = 2;
        private const int EINTR = 4;
        private int _fd;

        private UnixFlock(int fd) => _fd = fd;

        public static UnixFlock Acquire(string path)
        {
            // O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, as Python's open(path, "w").
            int flags = OperatingSystem.IsMacOS() ? 0x0001 | 0x0200 | 0x0400 | 0x1000000 : 0x0001 | 0x0040 | 0x0200 | 0x80000;
            int fd = Libc.open(path, flags, Convert.ToInt32("644", 8));
            if (fd < 0) throw new IOException($"open('{path}') failed: errno {Marshal.GetLastPInvokeError()}");
            while (Libc.flock(fd, LOCK_EX) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                Libc.close(fd);
                throw new IOException($"flock('{path}') failed: errno {errno}");
            }
            return new UnixFlock(fd);
        }

        public void Dispose()
        {
            // Closing the descriptor releases the flock, as leaving Python's with-block does.
            if (_fd >= 0) Libc.close(_fd);
            _fd = -1;
        }
    }

    private static class Libc
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

        [DllImport("libc", SetLastError = true)]
        public static extern int flock(int fd, int operation);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }

    /// <summary>Where flock does not exist: a lock file opened with FileShare.None, retried until it opens.</summary>
    private sealed class WindowsExclusiveFile : IDisposable
    {
        private readonly FileStream _stream;

        private WindowsExclusiveFile(FileStream stream) => _stream = stream;

        public static WindowsExclusiveFile Acquire(string path)
        {
            while (true)
            {
                try
                {
                    return new WindowsExclusiveFile(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException)
                {
                    Thread.Sleep(1);
                }
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}

/// <summary>The seed's <c>OpsLogEntry</c> dataclass, with its field names.</summary>
public sealed class BaselineEntry
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("timestamp")] public string Timestamp { get; set; } = "";
    [JsonPropertyName("agent")] public string Agent { get; set; } = "";
    [JsonPropertyName("event_type")] public string EventType { get; set; } = "";
    [JsonPropertyName("message")] public string Message { get; set; } = "";
    [JsonPropertyName("ticket_id")] public string? TicketId { get; set; }
    [JsonPropertyName("metadata")] public Dictionary<string, JsonElement> Metadata { get; set; } = new();

    /// <summary><c>[agent][YYYY-MM-DD HH:MM:SS] [#ticket] message</c>.</summary>
    public string FormatDisplay()
    {
        string ts = (Timestamp.Length > 19 ? Timestamp[..19] : Timestamp).Replace('T', ' ');
        string ticket = string.IsNullOrEmpty(TicketId) ? "" : $" [#{TicketId}]";
        return $"[{Agent}][{ts}]{ticket} {Message}";
    }
}

public sealed class BaselineLogFile
{
    [JsonPropertyName("entries")] public List<BaselineEntry> Entries { get; set; } = new();
}

public sealed record BaselineWriteResult(bool Success, string? EntryId, string? Formatted, string? Error);

[JsonSourceGenerationOptions(WriteIndented = true, IndentSize = 2, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BaselineLogFile))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;
