using System.Diagnostics;

namespace Fastband.Core.Locks;

/// <summary>
/// Is the process a lease is tied to still the one that took it? Only ever judged on this host; a pid
/// alone proves nothing (pids are reused), so the process's start time must match too.
/// </summary>
public static class ProcessLiveness
{
    private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

    /// <summary>The start time of a running process on this host, or null if there is none with that pid.</summary>
    public static DateTimeOffset? StartTimeOf(int pid)
    {
        // Locks judge every waiter's and tied holder's process inside each write transaction, so the answer is kept
        // per process: where /proc exists, its stat line names the process instance (pid and start in clock ticks
        // since boot, which a reused pid does not repeat), and a start time once read for that instance is reused.
        var stat = ReadStat(pid);
        if (stat is { } s)
        {
            if (s.State is 'Z' or 'X') return null; // killed, not reaped yet: it runs nothing
            if (s.StartTicks >= 0 && Known.TryGetValue(pid, out var known) && known.StartTicks == s.StartTicks) return known.StartedAt;
        }
        DateTimeOffset? started;
        try
        {
            using var p = Process.GetProcessById(pid);
            started = new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
        if (stat is { StartTicks: >= 0 } seen)
        {
            if (Known.Count >= MaxKnown) Known.Clear();
            Known[pid] = (seen.StartTicks, started.Value);
        }
        return started;
    }

    private const int MaxKnown = 4096;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, (long StartTicks, DateTimeOffset StartedAt)> Known = new();

    /// <summary>
    /// False only when the process is certainly gone: recorded on <paramref name="localHost"/> (the caller's own
    /// host identity, FASTBAND_HOST or the machine name), and no process with that pid and start time. A pid
    /// recorded by another host is never judged here: on a shared store only the lease's TTL ends it.
    /// </summary>
    public static bool IsAlive(string host, int pid, DateTimeOffset? startedAt, string localHost)
    {
        if (!string.Equals(host, localHost, StringComparison.OrdinalIgnoreCase)) return true;
        if (Running.Confirms(pid, startedAt)) return true;
        var actual = StartTimeOf(pid);
        if (actual is null) return false;
        bool alive = startedAt is null || (actual.Value - startedAt.Value).Duration() <= StartTimeTolerance;
        if (alive) Running.Watch(pid, startedAt);
        return alive;
    }

    /// <summary>
    /// Processes found alive, each with a pidfd opened on that very process (Linux 5.3+): until the pidfd turns
    /// readable (the process exited), asking again is one poll(2) instead of reading /proc. Every other answer,
    /// and every process not watched here, goes through the full check.
    /// </summary>
    private static class Running
    {
        private const int MaxWatched = 64;
        private static readonly Dictionary<(int Pid, DateTimeOffset? StartedAt), int> Watched = new();

        /// <summary>True when a watched pidfd shows this process has not exited; false means "check fully".</summary>
        public static bool Confirms(int pid, DateTimeOffset? startedAt)
        {
            if (!WakeSocket.Supported) return false;
            lock (Watched)
            {
                if (!Watched.TryGetValue((pid, startedAt), out int fd)) return false;
                if (!WakeSocket.HasExited(fd)) return true;
                Watched.Remove((pid, startedAt));
                WakeSocket.CloseProcess(fd);
                return false;
            }
        }

        /// <summary>Watches the process just found alive, if its pidfd is provably of that process (the same start in /proc before and after opening it).</summary>
        public static void Watch(int pid, DateTimeOffset? startedAt)
        {
            if (!WakeSocket.Supported || !Known.TryGetValue(pid, out var judged) || judged.StartTicks < 0) return;
            lock (Watched)
            {
                if (Watched.ContainsKey((pid, startedAt))) return;
                if (Watched.Count >= MaxWatched)
                {
                    foreach (int open in Watched.Values) WakeSocket.CloseProcess(open);
                    Watched.Clear();
                }
                int fd = WakeSocket.OpenProcess(pid, out _);
                if (fd < 0) return;
                if (ReadStat(pid) is { } after && after.StartTicks == judged.StartTicks && after.State is not ('Z' or 'X')) Watched[(pid, startedAt)] = fd;
                else WakeSocket.CloseProcess(fd); // the pid was reused in between: not the process judged
            }
        }
    }

    /// <summary>
    /// The state letter and start (clock ticks after boot) from /proc/PID/stat, or null where it cannot be read (no
    /// /proc here, or no such process: the caller's slower check decides).
    /// </summary>
    private static (char State, long StartTicks)? ReadStat(int pid)
    {
        if (!OperatingSystem.IsLinux() || pid <= 0) return null;
        Span<byte> buffer = stackalloc byte[1024]; // a stat line is a few hundred bytes
        int length;
        try
        {
            using var handle = File.OpenHandle(StatPath(pid));
            length = RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        // The state is field 3 and the start time field 22.
        var line = buffer[..length];
        int close = line.LastIndexOf((byte)')');
        if (close < 0 || close + 2 >= line.Length) return null;
        var rest = line[(close + 2)..];
        char state = (char)rest[0];
        for (int field = 3; field < 22; field++)
        {
            int space = rest.IndexOf((byte)' ');
            if (space < 0) return (state, -1);
            rest = rest[(space + 1)..];
        }
        long ticks = 0;
        int digits = 0;
        foreach (byte b in rest)
        {
            if (b is < (byte)'0' or > (byte)'9') break;
            ticks = ticks * 10 + (b - '0');
            digits++;
        }
        return (state, digits is > 0 and < 19 ? ticks : -1);
    }

    private static string StatPath(int pid) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/proc/{pid}/stat");
}
