using System.Diagnostics;

/// <summary>
/// The start gate of a race, the workers' side (the tests' side is Fastband.Core.Tests.StartGate). A worker warms up
/// first (opens the store, makes a first query), then passes the gate: it creates GATE.ready/AGENT.PID, and the test
/// creates GATE once every worker has, so that start-up time on a busy machine does not keep them apart.
/// A file per worker, not a line each in one file: .NET's FileMode.Append writes at the end it saw when it opened
/// the file (no O_APPEND), so two workers appending at once can overwrite each other's line.
/// </summary>
internal static class StartGate
{
    /// <summary>Longer than the test waits for every worker to get ready (3 minutes), so an early worker never gives up on a gate about to open.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Reports ready and waits for <paramref name="gate"/>. False if it never opened (said on standard error) or if
    /// <paramref name="stop"/>, when given, appeared first.
    /// </summary>
    public static bool Pass(string gate, string agent, string? stop = null)
    {
        string ready = gate + ".ready";
        Directory.CreateDirectory(ready);
        File.WriteAllBytes(Path.Combine(ready, $"{agent}.{Environment.ProcessId}"), Array.Empty<byte>());
        var wait = Stopwatch.StartNew();
        while (!File.Exists(gate))
        {
            if (stop is not null && File.Exists(stop)) return false;
            if (wait.Elapsed > Patience) { Console.Error.WriteLine($"the start gate {gate} never opened"); return false; }
            Thread.Sleep(1);
        }
        return true;
    }
}
