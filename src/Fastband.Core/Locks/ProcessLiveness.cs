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
        if (IsZombie(pid)) return null;
        try
        {
            using var p = Process.GetProcessById(pid);
            return new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// False only when the process is certainly gone: recorded on <paramref name="localHost"/> (the caller's own
    /// host identity, FASTBAND_HOST or the machine name), and no process with that pid and start time. A pid
    /// recorded by another host is never judged here: on a shared store only the lease's TTL ends it.
    /// </summary>
    public static bool IsAlive(string host, int pid, DateTimeOffset? startedAt, string localHost)
    {
        if (!string.Equals(host, localHost, StringComparison.OrdinalIgnoreCase)) return true;
        var actual = StartTimeOf(pid);
        if (actual is null) return false;
        return startedAt is null || (actual.Value - startedAt.Value).Duration() <= StartTimeTolerance;
    }

    /// <summary>A killed process that its parent has not reaped yet still has a pid; it runs nothing.</summary>
    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // no /proc here (not Linux), or no such process: the next check decides
        }
    }
}
