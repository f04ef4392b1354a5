using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Fastband.Core.Store;

namespace Fastband.Core.OpsLog;

/// <summary>Writes, reads, follows and archives the Agent Ops Log.</summary>
public sealed class OpsLogService
{
    public const int MaxMessageLength = 8000;
    public const int MaxTicketLength = 64;

    /// <summary>Archiving is checked on every this-many-th append, so that retention needs no scheduler.</summary>
    internal const int ArchiveCheckEvery = 500;

    private readonly IOpsLogStore _opsLog;
    private readonly IStoreNotifications _notifications;
    private readonly CallerIdentity _caller;
    private readonly OpsLogSettings _settings;
    private readonly TimeProvider _clock;

    internal OpsLogService(IOpsLogStore opsLog, IStoreNotifications notifications, CallerIdentity caller, OpsLogSettings settings, TimeProvider clock, string archiveDirectory)
    {
        _opsLog = opsLog;
        _notifications = notifications;
        _caller = caller;
        _settings = settings;
        _clock = clock;
        ArchiveDirectory = archiveDirectory;
    }

    public string ArchiveDirectory { get; }

    /// <summary>Appends an entry for the caller. Nothing is written if any argument is invalid.</summary>
    public OpsLogEntry Write(string eventType, string message, string? ticketId = null, IEnumerable<KeyValuePair<string, object?>>? metadata = null)
    {
        string type = OpsEventType.Normalize(eventType);
        string text = ValidateMessage(message);
        string? ticket = NormalizeTicket(ticketId);
        var meta = NormalizeMetadata(metadata);
        var touch = new AgentTouch(_caller.Agent, _caller.Host, _caller.ProcessId, _caller.ProcessStartedAt)
        {
            Ticket = type switch
            {
                OpsEventType.TicketClaimed when ticket is not null => TicketChange.Set,
                OpsEventType.TicketCompleted => TicketChange.Clear,
                _ => TicketChange.Keep,
            },
            TicketId = ticket,
        };
        var entry = _opsLog.Append(new NewOpsLogEntry(_caller.Agent, type, text, ticket, meta, _caller.Host, _caller.ProcessId), touch);
        if (entry.Id % ArchiveCheckEvery == 0) Archive();
        return entry;
    }

    /// <summary>The highest entry id ever written, or 0: it changes with every write.</summary>
    public long LatestId() => _opsLog.LatestId();

    /// <summary>The id of the newest hold, lift or clearance (see <see cref="IOpsLogStore.DirectiveHighWater"/>).</summary>
    public long DirectiveHighWater() => _opsLog.DirectiveHighWater();

    /// <summary>Entries matching the query, newest first; with IncludeArchive, the archive files are merged in.</summary>
    public IReadOnlyList<OpsLogEntry> Read(OpsLogQuery query)
    {
        query = Normalized(query);
        var live = _opsLog.Query(query);
        if (!query.IncludeArchive) return live;
        var seen = new HashSet<long>(live.Select(e => e.Id));
        var merged = new List<OpsLogEntry>(live);
        foreach (var e in ReadArchive(query))
            if (seen.Add(e.Id)) merged.Add(e);
        merged.Sort((a, b) => query.OldestFirst ? a.Id.CompareTo(b.Id) : b.Id.CompareTo(a.Id));
        return query.Limit > 0 && merged.Count > query.Limit ? merged.GetRange(0, query.Limit) : merged;
    }

    /// <summary>
    /// <see cref="Read"/>, and how many more entries match beyond the query's limit (0 when none were left out):
    /// what a front end with a default limit says instead of truncating silently.
    /// </summary>
    public OpsLogPage ReadPage(OpsLogQuery query)
    {
        if (query.Limit <= 0) return new OpsLogPage(Read(query), 0);
        var probe = Read(query with { Limit = query.Limit + 1 });
        if (probe.Count <= query.Limit) return new OpsLogPage(probe, 0);
        long matching = Read(query with { Limit = 0 }).Count;
        return new OpsLogPage(probe.Take(query.Limit).ToArray(), matching - query.Limit);
    }

    /// <summary>The query with its event types and ticket in their canonical spelling (HOLD is hold, #12 is 12).</summary>
    private static OpsLogQuery Normalized(OpsLogQuery query)
    {
        if (query.Limit < 0) throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.");
        return query with { EventTypes = OpsEventType.Names.NormalizeFilter(query.EventTypes), TicketId = NormalizeTicket(query.TicketId) };
    }

    /// <summary>
    /// Yields the newest matching entries (oldest of them first), then every new matching entry as it is
    /// committed, until cancelled. The cursor is the entry id, so nothing is skipped or repeated.
    /// </summary>
    public IEnumerable<OpsLogEntry> Follow(OpsLogQuery query, CancellationToken cancellation, TimeSpan? pollInterval = null)
    {
        query = Normalized(query);
        var poll = pollInterval ?? _settings.PollInterval;
        // Listening starts before the first read, so that nothing committed after it is slept through. On
        // PostgreSQL a write wakes the follower (LISTEN/NOTIFY); on SQLite the listener sleeps the poll interval.
        using var listener = _notifications.Listen(StoreTopics.OpsLog);
        long cursor = 0;
        foreach (var e in _opsLog.Query(query).Reverse())
        {
            cursor = Math.Max(cursor, e.Id);
            yield return e;
        }
        if (cursor == 0) cursor = _opsLog.LatestId();
        // Oldest first with a limit, so that a burst larger than one page is read over several polls, none skipped.
        var tail = query with { Since = null, Limit = 1000, OldestFirst = true, IncludeArchive = false };
        while (!cancellation.IsCancellationRequested)
        {
            var fresh = _opsLog.Query(tail with { AfterId = cursor });
            foreach (var e in fresh)
            {
                cursor = e.Id;
                if (query.Until is null || e.Timestamp <= query.Until) yield return e;
            }
            if (fresh.Count < tail.Limit) listener.WaitForChange(poll, cancellation);
        }
    }

    /// <summary>
    /// Moves entries older than the retention period (or <paramref name="olderThan"/>) into daily JSONL files.
    /// Entries the coordination rules still read (directives within their window, rebuilds within twice
    /// their timeout) are never moved, whatever <paramref name="olderThan"/> says: archiving must not lift a hold.
    /// </summary>
    public ArchiveResult Archive(TimeSpan? olderThan = null)
    {
        var now = _clock.GetUtcNow();
        var stillRead = _settings.DirectiveWindow > 2 * _settings.RebuildTimeout ? _settings.DirectiveWindow : 2 * _settings.RebuildTimeout;
        var requested = olderThan ?? TimeSpan.FromDays(_settings.RetentionDays);
        var cutoff = now - (requested > stillRead ? requested : stillRead);
        var files = new SortedSet<string>(StringComparer.Ordinal);
        int total = 0, moved;
        do
        {
            moved = _opsLog.MoveOlderThan(cutoff, 5000, batch => AppendToArchive(batch, files));
            total += moved;
        } while (moved > 0);
        return new ArchiveResult { ArchivedCount = total, Cutoff = cutoff, Files = files.ToArray() };
    }

    private void AppendToArchive(IReadOnlyList<OpsLogEntry> batch, ISet<string> files)
    {
        Directory.CreateDirectory(ArchiveDirectory);
        foreach (var day in batch.GroupBy(e => e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))
        {
            string path = Path.Combine(ArchiveDirectory, day.Key + ".jsonl");
            var text = new StringBuilder();
            foreach (var e in day) text.Append(FastbandJson.Serialize(ArchiveLine.From(e), indented: false)).Append('\n');
            // One write and an fsync before the rows are deleted: a crash leaves duplicates (dropped on read), never a loss.
            using (var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read))
            {
                // A torn last line (a crash mid-write) must not swallow the first line written now.
                if (stream.Length > 0)
                {
                    stream.Seek(-1, SeekOrigin.End);
                    if (stream.ReadByte() != '\n') stream.WriteByte((byte)'\n');
                }
                stream.Seek(0, SeekOrigin.End);
                byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            files.Add(path);
        }
    }

    private IEnumerable<OpsLogEntry> ReadArchive(OpsLogQuery query)
    {
        if (!Directory.Exists(ArchiveDirectory)) yield break;
        string? from = query.Since?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string? to = query.Until?.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (string path in Directory.EnumerateFiles(ArchiveDirectory, "*.jsonl").OrderByDescending(p => p, StringComparer.Ordinal))
        {
            string day = Path.GetFileNameWithoutExtension(path);
            if ((from is not null && string.CompareOrdinal(day, from) < 0) || (to is not null && string.CompareOrdinal(day, to) > 0)) continue;
            foreach (string line in File.ReadLines(path))
            {
                var entry = ArchiveLine.Parse(line);
                if (entry is not null && query.Matches(entry)) yield return entry;
            }
        }
    }

    // ---------------------------------------------------------------- validation

    internal static string ValidateMessage(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
            throw new InvalidInputException("EmptyMessage", "The message is empty: say what happened in a few words.");
        if (message.Length > MaxMessageLength)
            throw new InvalidInputException("MessageTooLong", $"The message is {message.Length} characters long: keep it under {MaxMessageLength} and put detail in metadata or a file.");
        return message.Trim();
    }

    /// <summary>Tickets are compared as text, without a leading '#'.</summary>
    public static string? NormalizeTicket(string? ticketId)
    {
        if (ticketId is null) return null;
        string t = ticketId.Trim().TrimStart('#').Trim();
        if (t.Length == 0) return null;
        if (t.Length > MaxTicketLength || t.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == ','))
            throw new InvalidInputException("InvalidTicket", $"'{ticketId}' is not a valid ticket id: use up to {MaxTicketLength} characters without spaces or commas, such as 1205 or PROJ-42.");
        return t;
    }

    public static IReadOnlyList<string> NormalizeTickets(IEnumerable<string>? tickets) =>
        (tickets ?? Array.Empty<string>())
            .SelectMany(t => (t ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(NormalizeTicket).Where(t => t is not null).Select(t => t!)
            .Distinct(StringComparer.Ordinal).ToArray();

    public static IReadOnlyList<string> NormalizeAgents(IEnumerable<string>? agents)
    {
        var list = (agents ?? Array.Empty<string>())
            .SelectMany(a => (a ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        foreach (var a in list) AgentName.Validate(a);
        return list;
    }

    /// <summary>Parses <c>key=value</c> pairs given on a command line.</summary>
    public static IReadOnlyDictionary<string, object?> ParseMetadataPairs(IEnumerable<string>? pairs)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in pairs ?? Array.Empty<string>())
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0)
                throw new InvalidInputException("InvalidMetadata", $"'{pair}' is not a metadata pair: write it as key=value, e.g. --meta pr=481.");
            result[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return result;
    }

    /// <summary>Turns caller-supplied metadata into values that round-trip through JSON.</summary>
    internal static IReadOnlyDictionary<string, object?> NormalizeMetadata(IEnumerable<KeyValuePair<string, object?>>? metadata)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (metadata is null) return result;
        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrWhiteSpace(key))
                throw new InvalidInputException("InvalidMetadata", "A metadata key is empty: give every value a name.");
            result[key.Trim()] = Plain(value, 0);
        }
        return result;
    }

    private static object? Plain(object? value, int depth)
    {
        if (depth > 8) throw new InvalidInputException("InvalidMetadata", "The metadata nests deeper than 8 levels: flatten it.");
        return value switch
        {
            null => null,
            string or bool or long or int or double or decimal or float or short or byte => value,
            DateTimeOffset or DateTime or Guid => Convert.ToString(value, CultureInfo.InvariantCulture),
            Enum e => e.ToString(),
            IDictionary d => d.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, CultureInfo.InvariantCulture) ?? "", k => Plain(d[k], depth + 1), StringComparer.OrdinalIgnoreCase),
            IEnumerable list => list.Cast<object?>().Select(v => Plain(v, depth + 1)).ToArray(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The JSON shape of one archived entry: the same names as the CLI's --json.</summary>
    internal sealed class ArchiveLine
    {
        public long Id { get; set; }
        public DateTimeOffset Timestamp { get; set; }
        public string Agent { get; set; } = "";
        public string EventType { get; set; } = "";
        public string Message { get; set; } = "";
        public string? TicketId { get; set; }
        public JsonElement Metadata { get; set; }
        public string Host { get; set; } = "";
        public int ProcessId { get; set; }

        public static ArchiveLine From(OpsLogEntry e) => new()
        {
            Id = e.Id, Timestamp = e.Timestamp, Agent = e.Agent, EventType = e.EventType, Message = e.Message, TicketId = e.TicketId,
            Metadata = JsonSerializer.SerializeToElement(e.Metadata, FastbandJson.Info<IReadOnlyDictionary<string, object?>>(indented: false)),
            Host = e.Host, ProcessId = e.ProcessId,
        };

        public static OpsLogEntry? Parse(string line)
        {
            if (string.IsNullOrWhiteSpace(line)) return null;
            try
            {
                var a = FastbandJson.Deserialize<ArchiveLine>(line);
                if (a is null || a.Id <= 0) return null;
                return new OpsLogEntry
                {
                    Id = a.Id, Timestamp = a.Timestamp, Agent = a.Agent, EventType = a.EventType, Message = a.Message,
                    TicketId = a.TicketId, Metadata = FastbandJson.ToDictionary(a.Metadata), Host = a.Host, ProcessId = a.ProcessId,
                };
            }
            catch (JsonException)
            {
                return null; // a torn last line from a crash mid-write: the entry is still in the live store
            }
        }
    }
}
