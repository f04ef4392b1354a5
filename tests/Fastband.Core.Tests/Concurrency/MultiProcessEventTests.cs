using System.Diagnostics;
using Fastband.Core.Events;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Concurrency;

/// <summary>
/// Eight processes log 200 events each into one event log at the same moment, every tenth starting a new
/// interaction; a negative control runs the same harness against a writer without the transaction. A consumer
/// process is killed part way through the log and a second one must resume at its cursor.
/// </summary>
[Collection(MultiProcessRaces.Name)]
public sealed class MultiProcessEventTests : IDisposable
{
    private const int Writers = 8;
    private const int PerWriter = 200;

    private readonly TempProject _dir = new();
    private readonly ITestOutputHelper _output;

    public MultiProcessEventTests(ITestOutputHelper output) => _output = output;

    private readonly ChildProcesses _children = new();

    public void Dispose()
    {
        _children.Dispose();
        _dir.Dispose();
    }

    private static ProcessStartInfo Worker(params string[] args)
    {
        string worker = Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll");
        Assert.True(File.Exists(worker), $"the worker was not built next to the tests: {worker}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(worker);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private (IReadOnlyList<InteractionEvent> Events, DateTimeOffset LatestStart, DateTimeOffset EarliestEnd) Race(string mode)
    {
        using (_dir.Open("setup")) { } // the store and its schema exist before the race
        string gate = Path.Combine(_dir.Root, "go");
        var processes = Enumerable.Range(0, Writers).Select(i => _children.Start(Worker(mode, _dir.Root, $"w{i}", PerWriter.ToString(), gate))).ToList();
        StartGate.OpenWhenReady(gate, processes);
        var windows = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        foreach (var p in processes)
        {
            var r = p.WaitForOutput("a writer to finish", TimeSpan.FromMinutes(3));
            Assert.True(r.ExitCode == 0, $"writer failed: {r}");
            var parts = r.Stdout.Trim().Split(' ');
            windows.Add((new DateTimeOffset(long.Parse(parts[0]), TimeSpan.Zero), new DateTimeOffset(long.Parse(parts[1]), TimeSpan.Zero)));
        }
        var latestStart = windows.Max(w => w.Start);
        var earliestEnd = windows.Min(w => w.End);
        Assert.True(latestStart < earliestEnd,
            $"the writers did not all run at once (last start {latestStart:HH:mm:ss.fff} >= first end {earliestEnd:HH:mm:ss.fff}), so the test proves nothing");
        using var reader = _dir.Open("reader");
        return (reader.Events.Read(new EventQuery()), latestStart, earliestEnd);
    }

    private static List<string> Losses(IReadOnlyList<InteractionEvent> events)
    {
        var problems = new List<string>();
        if (events.Count != Writers * PerWriter) problems.Add($"{events.Count} events instead of {Writers * PerWriter}");
        for (int w = 0; w < Writers; w++)
        {
            var mine = events.Where(e => e.Actor == $"w{w}").Select(e => e.Content).ToList();
            if (!mine.SequenceEqual(Enumerable.Range(0, PerWriter).Select(i => $"w{w} event {i}")))
                problems.Add($"w{w} has {mine.Distinct().Count()} of its {PerWriter} events");
        }
        return problems;
    }

    [Fact]
    public void Eight_processes_logging_at_once_lose_nothing_and_never_share_a_new_interaction()
    {
        var (events, latestStart, earliestEnd) = Race("event");
        Assert.Empty(Losses(events));
        Assert.Equal(Enumerable.Range(1, Writers * PerWriter).Select(i => (long)i), events.Select(e => e.Id)); // dense ids
        // Every "new interaction" got a number of its own: no two writers read the same highest number.
        var starts = events.Where(e => int.Parse(e.Content.Split(' ')[2]) % 10 == 0).ToList();
        Assert.Equal(Writers * PerWriter / 10, starts.Select(e => e.Interaction).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, starts.Count).Select(i => (long)i), starts.Select(e => e.Interaction).OrderBy(i => i));
        // And each writer's other events joined an interaction that exists and was started at or before them.
        Assert.All(events, e => Assert.InRange(e.Interaction, 1, starts.Count));
        _output.WriteLine($"{events.Count} events; writers overlapped by {(earliestEnd - latestStart).TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Negative_control_the_same_harness_detects_loss_from_a_writer_without_the_transaction()
    {
        var (events, _, _) = Race("naive-event");
        var problems = Losses(events);
        _output.WriteLine(string.Join("; ", problems));
        Assert.NotEmpty(problems);
        Assert.True(events.Count < Writers * PerWriter, "the unprotected writers lost nothing: the harness cannot tell safe from unsafe");
    }

    [Fact]
    public void A_consumer_killed_part_way_resumes_at_its_cursor_and_skips_nothing()
    {
        const int Total = 300;
        using (var w = _dir.Open("writer"))
            for (int i = 0; i < Total; i++) w.Events.Log("question", $"event {i}", newInteraction: i % 3 == 0);
        string handled = Path.Combine(_dir.Root, "handled.txt");

        var first = _children.Start(Worker("consume", _dir.Root, "consumer", handled, "15"));
        var deadline = Stopwatch.StartNew();
        while (HandledIds(handled).Count < 40)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the consumer handled nothing in a minute");
            if (first.HasExited) Assert.Fail($"the consumer ended before it was killed: {first.StandardError.ReadToEnd()}");
            Thread.Sleep(20);
        }
        first.Kill(); // SIGKILL: no clean-up runs; returns once it is gone
        _output.WriteLine($"killed after {deadline.ElapsedMilliseconds} ms");
        var beforeKill = HandledIds(handled);
        long cursor;
        using (var check = _dir.Open("consumer")) cursor = check.Events.Cursor().AckedId;
        Assert.InRange(cursor, 1, Total - 1); // killed part way: something acknowledged, not everything
        Assert.True(beforeKill.Count < Total);
        // The checkpoint file names the interaction of the last acknowledged event; it is written just after the
        // store's ack, so a kill between the two leaves it one ack behind.
        long checkpoint = long.Parse(File.ReadAllText(Path.Combine(_dir.Root, "agent-consumer.checkpoint")).Trim());
        Assert.Contains(checkpoint, new[] { (cursor - 1) / 3 + 1, (cursor - 2) / 3 + 1 });

        var second = _children.Start(Worker("consume", _dir.Root, "consumer", handled, "0"));
        var resumedRun = second.WaitForOutput("the resumed consumer to finish", TimeSpan.FromMinutes(2));
        Assert.True(resumedRun.ExitCode == 0, resumedRun.ToString());

        var all = HandledIds(handled);
        var resumed = all.Skip(beforeKill.Count).ToList();
        Assert.Equal(cursor + 1, resumed[0]); // it resumed right after its cursor
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), all.Distinct().OrderBy(i => i)); // nothing skipped
        // At most the one event in hand when the process died is handled twice (handled, not yet acknowledged).
        var twice = all.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count <= 1 && twice.All(i => i == cursor + 1), $"handled twice: {string.Join(", ", twice)}");
        using var final = _dir.Open("consumer");
        Assert.Equal(Total, final.Events.Cursor().AckedId);
        Assert.Equal("100", File.ReadAllText(Path.Combine(_dir.Root, "agent-consumer.checkpoint")).Trim());
    }

    /// <summary>The ids in the file, counting only whole lines (the consumer may be writing the last one).</summary>
    private static List<long> HandledIds(string file)
    {
        if (!File.Exists(file)) return new List<long>();
        string text = File.ReadAllText(file);
        return text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
    }
}
