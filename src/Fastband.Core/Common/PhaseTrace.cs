using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Fastband.Core;

/// <summary>
/// Where a short command's time goes, phase by phase. With FASTBAND_TRACE_PHASES=1 in its environment the CLI ends
/// with one line on stderr, <c>fastband: phases: main 0.00, parsed 0.41, config 0.52, ...</c>: milliseconds from the
/// start of Main to the end of each phase (a phase that runs twice is listed twice). The time before Main (the
/// process and the runtime starting) is the process's wall time minus the last figure; the bench's <c>hotpath</c>
/// suite reports both. Off, a mark is one static read.
/// </summary>
public static class PhaseTrace
{
    private static readonly bool On = Environment.GetEnvironmentVariable("FASTBAND_TRACE_PHASES") == "1";
    private static readonly List<(string Phase, long At)> Marks = new();
    private static long _start;

    public static bool Enabled => On;

    /// <summary>Records that <paramref name="phase"/> just ended (the first mark starts the clock).</summary>
    public static void Mark(string phase)
    {
        if (!On) return;
        long now = Stopwatch.GetTimestamp();
        lock (Marks)
        {
            if (Marks.Count == 0) _start = now;
            Marks.Add((phase, now));
        }
    }

    /// <summary>The marks so far as one line: each phase and its end, in milliseconds from the first mark.</summary>
    public static string Line()
    {
        var line = new StringBuilder("phases:");
        lock (Marks)
        {
            foreach (var (phase, at) in Marks)
                line.Append(' ').Append(phase).Append(' ')
                    .Append(Stopwatch.GetElapsedTime(_start, at).TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture)).Append(',');
        }
        return line.ToString().TrimEnd(',');
    }
}
