using Fastband.Core.Locks;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;

namespace Fastband.Core.Board;

/// <summary>Agents set what they are doing; everyone reads the status board.</summary>
public sealed class BoardService
{
    public const int MaxFiles = 200;
    public const int MaxFileLength = 1024;
    public const int MaxNoteLength = 2000;

    /// <summary>How many releases and refused acquisitions the board shows.</summary>
    public const int DefaultHistory = 20;

    private readonly IAgentStore _agents;
    private readonly IStatusStore _statuses;
    private readonly CallerIdentity _caller;
    private readonly OpsLogSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILockBoardSource? _locks;

    internal BoardService(IAgentStore agents, IStatusStore statuses, CallerIdentity caller, OpsLogSettings settings, TimeProvider clock, ILockBoardSource? locks)
    {
        _agents = agents;
        _statuses = statuses;
        _caller = caller;
        _settings = settings;
        _clock = clock;
        _locks = locks;
    }

    /// <summary>Sets the caller's status (replacing the previous one) and records its presence. Nothing is written if any argument is invalid.</summary>
    public AgentWorkStatus SetStatus(string status, IEnumerable<string>? files = null, string? ticketId = null, string? note = null)
    {
        string normalized = WorkStatus.Normalize(status);
        var fileList = NormalizeFiles(files);
        string? ticket = OpsLogService.NormalizeTicket(ticketId);
        string? text = NormalizeNote(note);
        var now = _clock.GetUtcNow();
        var touch = new AgentTouch(_caller.Agent, _caller.Host, _caller.ProcessId, _caller.ProcessStartedAt);
        var saved = _statuses.Set(_caller.Agent, normalized, fileList, ticket, text, now, touch);
        return WithSession(saved, _agents.Get(_caller.Agent), now);
    }

    /// <summary>The board: agents' statuses joined with their sessions, and the lock side when a lock source is wired in.</summary>
    public StatusBoard GetBoard(int history = DefaultHistory)
    {
        if (history < 0) throw new InvalidInputException("InvalidLimit", "The history length cannot be negative: use 0 to leave the history out.");
        var now = _clock.GetUtcNow();
        var sessions = _agents.List().ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        var statuses = _statuses.List();
        var rows = statuses.Select(s => WithSession(s, sessions.GetValueOrDefault(s.Name), now)).ToList();
        var withStatus = new HashSet<string>(statuses.Select(s => s.Name), StringComparer.OrdinalIgnoreCase);
        rows.AddRange(sessions.Values
            .Where(a => !withStatus.Contains(a.Name) && now - a.LastSeenAt <= _settings.ActiveAgentWindow)
            .Select(a => new AgentWorkStatus { Name = a.Name, TicketId = a.CurrentTicket, IsActive = true, LastSeenAt = a.LastSeenAt }));
        return new StatusBoard
        {
            Agents = rows.OrderByDescending(r => r.IsActive).ThenByDescending(r => r.UpdatedAt ?? r.LastSeenAt)
                .ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToArray(),
            ActiveLocks = _locks?.ActiveLocks() ?? Array.Empty<LockSummary>(),
            RecentReleases = _locks is null || history == 0 ? Array.Empty<LockEvent>() : _locks.RecentReleases(history),
            RefusedAcquisitions = _locks is null || history == 0 ? Array.Empty<LockEvent>() : _locks.RefusedAcquisitions(history),
            GeneratedAt = now,
        };
    }

    private AgentWorkStatus WithSession(AgentWorkStatus s, AgentRegistration? session, DateTimeOffset now) => new()
    {
        Name = s.Name, Status = s.Status, Files = s.Files, TicketId = s.TicketId, Note = s.Note, UpdatedAt = s.UpdatedAt,
        LastSeenAt = session?.LastSeenAt,
        IsActive = session is not null && now - session.LastSeenAt <= _settings.ActiveAgentWindow,
    };

    /// <summary>Files as given, comma-separated or one per value; trimmed, without duplicates, in the order given.</summary>
    public static IReadOnlyList<string> NormalizeFiles(IEnumerable<string>? files)
    {
        var list = (files ?? Array.Empty<string>())
            .SelectMany(f => (f ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).ToArray();
        if (list.Length > MaxFiles)
            throw new InvalidInputException("TooManyFiles", $"{list.Length} files were named: name at most {MaxFiles}, or the folder that holds them.");
        foreach (string f in list)
        {
            if (f.Length > MaxFileLength || f.Any(char.IsControl))
                throw new InvalidInputException("InvalidFile", $"'{f}' is not a usable file path: give a path of at most {MaxFileLength} characters without control characters.");
        }
        return list;
    }

    private static string? NormalizeNote(string? note)
    {
        if (string.IsNullOrWhiteSpace(note)) return null;
        if (note.Length > MaxNoteLength)
            throw new InvalidInputException("NoteTooLong", $"The note is {note.Length} characters long: keep it under {MaxNoteLength}.");
        return note.Trim();
    }
}
