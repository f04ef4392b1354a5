using System.Diagnostics;
using Fastband.Core.OpsLog;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Concurrency;

/// <summary>
/// Eight separate processes append 200 entries each to one store at the same moment. The harness
/// checks that the writers really overlapped, and a negative control runs the same harness against
/// a writer without the transaction to show that the checks catch a lost entry.
/// </summary>
public abstract class AppendRaces : IDisposable
{
    private const int Writers = 8;

    /// <summary>Entries per writer: enough that the writers' windows overlap on a store as fast as the backend's.</summary>
    protected virtual int PerWriter => 200;

    private readonly TempProject _dir = new();
    private readonly ITestOutputHelper _output;
    private readonly Action? _cleanup;

    /// <param name="useStore">Points the scratch project at the store under test; returns how to clean it up.</param>
    protected AppendRaces(ITestOutputHelper output, Func<TempProject, Action?> useStore)
    {
        _output = output;
        _cleanup = useStore(_dir);
    }

    public void Dispose()
    {
        _dir.Dispose();
        _cleanup?.Invoke();
    }

    private sealed record Run(IReadOnlyList<OpsLogEntry> Entries, IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> Windows);

    private Run RaceWriters(string mode)
    {
        using (_dir.Open("setup")) { } // create the store and schema before the race
        string gate = Path.Combine(_dir.Root, "go");
        string worker = Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll");
        Assert.True(File.Exists(worker), $"the worker was not built next to the tests: {worker}");

        using var children = new ChildProcesses();
        var processes = Enumerable.Range(0, Writers).Select(i =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { worker, _dir.Root, $"w{i}", PerWriter.ToString(), mode, gate }) psi.ArgumentList.Add(a);
            return children.Start(psi);
        }).ToList();
        StartGate.OpenWhenReady(gate, processes);

        var windows = new List<(DateTimeOffset, DateTimeOffset)>();
        foreach (var p in processes)
        {
            var r = p.WaitForOutput("a writer to finish", TimeSpan.FromMinutes(3));
            Assert.True(r.ExitCode == 0, $"writer failed: {r}");
            var parts = r.Stdout.Trim().Split(' ');
            windows.Add((new DateTimeOffset(long.Parse(parts[0]), TimeSpan.Zero), new DateTimeOffset(long.Parse(parts[1]), TimeSpan.Zero)));
        }
        using var reader = _dir.Open("reader");
        return new Run(reader.OpsLog.Read(new OpsLogQuery { Limit = 0 }), windows);
    }

    private static void AssertOverlapped(IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> windows)
    {
        var latestStart = windows.Max(w => w.Start);
        var earliestEnd = windows.Min(w => w.End);
        Assert.True(latestStart < earliestEnd,
            $"the writers did not all run at once (last start {latestStart:HH:mm:ss.fff} >= first end {earliestEnd:HH:mm:ss.fff}), so the test proves nothing");
    }

    /// <summary>The problems a run has: missing or duplicated sequence numbers, duplicate ids, a wrong total.</summary>
    private List<string> Losses(IReadOnlyList<OpsLogEntry> entries)
    {
        var problems = new List<string>();
        if (entries.Count != Writers * PerWriter) problems.Add($"{entries.Count} entries instead of {Writers * PerWriter}");
        if (entries.Select(e => e.Id).Distinct().Count() != entries.Count) problems.Add("duplicate ids");
        for (int w = 0; w < Writers; w++)
        {
            var seqs = entries.Where(e => e.Agent == $"w{w}").Select(e => Convert.ToInt32(e.Metadata["seq"])).OrderBy(s => s).ToList();
            if (!seqs.SequenceEqual(Enumerable.Range(0, PerWriter)))
                problems.Add($"w{w} has {seqs.Distinct().Count()} of its {PerWriter} entries");
        }
        return problems;
    }

    [Fact]
    public void Eight_processes_appending_at_once_lose_nothing()
    {
        var run = RaceWriters("store");
        AssertOverlapped(run.Windows);
        Assert.Empty(Losses(run.Entries));
        Assert.Equal(Writers * PerWriter, run.Entries.Count);
        var ids = run.Entries.Select(e => e.Id).OrderBy(i => i).ToList();
        Assert.Equal(Enumerable.Range(1, Writers * PerWriter).Select(i => (long)i), ids); // dense: no write was lost or rolled back
        _output.WriteLine($"{run.Entries.Count} entries, windows overlapped by {(run.Windows.Min(w => w.End) - run.Windows.Max(w => w.Start)).TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Negative_control_the_same_harness_detects_loss_from_a_writer_without_the_transaction()
    {
        var run = RaceWriters("naive");
        AssertOverlapped(run.Windows);
        var problems = Losses(run.Entries);
        _output.WriteLine(string.Join("; ", problems));
        Assert.NotEmpty(problems);
        Assert.True(run.Entries.Count < Writers * PerWriter, "the unprotected writers lost nothing: the harness cannot tell safe from unsafe");
    }
}

/// <summary>The append races on the default SQLite store.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class MultiProcessAppendTests : AppendRaces
{
    public MultiProcessAppendTests(ITestOutputHelper output) : base(output, _ => null) { }
}
