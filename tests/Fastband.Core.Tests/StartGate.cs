using System.Diagnostics;

namespace Fastband.Core.Tests;

/// <summary>
/// The start gate of a multi-process race, the tests' side (the workers' side is StartGate in Fastband.StressWorker).
/// A worker starts, opens the store and makes a first query, creates <c>GATE.ready/AGENT.PID</c>, and waits for the
/// file GATE. <see cref="OpenWhenReady"/> creates GATE once every worker has done so, however long a busy machine
/// takes to start them. A fixed sleep instead lets a worker that starts late begin after the others have finished,
/// and the overlap check then fails for no real reason.
/// </summary>
public static class StartGate
{
    /// <summary>How long the workers may take to get ready: far longer than they take on a machine that is only busy.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>The folder the workers of <paramref name="gate"/> report ready in, a file each.</summary>
    public static string ReadyFolder(string gate) => gate + ".ready";

    /// <summary>
    /// Waits until every one of <paramref name="workers"/> has reported ready, then creates <paramref name="gate"/>.
    /// Fails at once if one of them ends first, and after <see cref="Patience"/> if they are not all ready, naming
    /// the ones that are not.
    /// </summary>
    public static void OpenWhenReady(string gate, IEnumerable<ChildProcess> workers)
    {
        var all = workers.ToList();
        string ready = ReadyFolder(gate);
        var waiting = Stopwatch.StartNew();
        List<ChildProcess> missing;
        while ((missing = NotReady(ready, all)).Count > 0)
        {
            if (missing.FirstOrDefault(p => p.HasExited) is { } ended)
                throw ended.Ended($"it reported ready in {ready} ({all.Count - missing.Count} of {all.Count} workers did)");
            if (waiting.Elapsed > Patience)
                throw new TimeoutException(
                    $"gave up after {Patience.TotalMinutes:0} minutes waiting for {all.Count} workers to start, open the store and report ready in {ready}; " +
                    $"{missing.Count} did not: {string.Join("; ", missing.Select(p => p.What))}");
            Thread.Sleep(10); // a gentle poll: the workers need the CPU more than the gate needs the milliseconds
        }
        File.WriteAllText(gate, "go");
    }

    /// <summary>The workers without a ready file (named AGENT.PID) yet.</summary>
    private static List<ChildProcess> NotReady(string ready, List<ChildProcess> workers)
    {
        var pids = Directory.Exists(ready)
            ? Directory.EnumerateFiles(ready).Select(f => Path.GetExtension(f).TrimStart('.')).ToHashSet()
            : new HashSet<string>();
        return workers.Where(p => !pids.Contains(p.Id.ToString())).ToList();
    }
}
