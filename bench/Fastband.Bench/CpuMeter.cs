using System.Globalization;

namespace Fastband.Bench;

/// <summary>
/// How much CPU other processes used while a measurement ran: all CPUs' busy time (/proc/stat) minus this process
/// and its reaped children (/proc/self/stat utime, stime, cutime, cstime). The machine is shared with other builds,
/// so each section says how quiet it was. Linux only; elsewhere it reports nothing.
/// </summary>
public sealed class CpuMeter
{
    private readonly (long Busy, long Total)? _system;
    private readonly long? _own;
    private readonly DateTime _start = DateTime.UtcNow;

    private CpuMeter((long, long)? system, long? own)
    {
        _system = system;
        _own = own;
    }

    public static CpuMeter Start() => new(SystemTimes(), OwnTimes());

    /// <summary>Share of the machine's total CPU (all cores) that other processes used since <see cref="Start"/>.</summary>
    public double? OthersPercent()
    {
        var system = SystemTimes();
        var own = OwnTimes();
        if (_system is null || system is null || _own is null || own is null) return null;
        long total = system.Value.Total - _system.Value.Total;
        if (total <= 0) return null;
        long others = system.Value.Busy - _system.Value.Busy - (own.Value - _own.Value);
        return Math.Clamp(100.0 * others / total, 0, 100);
    }

    public string Describe() => OthersPercent() is { } p
        ? $"Other processes on the machine used {p.ToString("0", CultureInfo.InvariantCulture)}% of its CPU (all {Environment.ProcessorCount} cores) during this measurement ({(DateTime.UtcNow - _start).TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s)."
        : "";

    /// <summary>Waits up to <paramref name="limit"/> for a 2-second window in which others use under <paramref name="percent"/>% of the CPU.</summary>
    public static string WaitForQuiet(TimeSpan limit, double percent)
    {
        var deadline = DateTime.UtcNow + limit;
        double? last = null;
        while (true)
        {
            var meter = Start();
            Thread.Sleep(2000);
            last = meter.OthersPercent();
            if (last is null || last < percent) return $"quiet ({last?.ToString("0", CultureInfo.InvariantCulture) ?? "?"}% used by others)";
            if (DateTime.UtcNow >= deadline) return $"still busy after {limit.TotalSeconds:0} s ({last.Value.ToString("0", CultureInfo.InvariantCulture)}% used by others); went ahead";
        }
    }

    private static (long Busy, long Total)? SystemTimes()
    {
        try
        {
            string? line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null) return null;
            long[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal (guest time is already inside user)
            long idle = f[3] + f[4];
            long busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            return (busy, busy + idle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long? OwnTimes()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is f[0], so utime (field 14) is f[11], stime f[12], cutime f[13], cstime f[14].
            return f.Skip(11).Take(4).Sum(s => long.Parse(s, CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
