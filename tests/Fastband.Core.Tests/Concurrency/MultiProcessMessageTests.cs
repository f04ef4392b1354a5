using System.Diagnostics;
using Fastband.Core.Messaging;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Concurrency;

/// <summary>
/// Six separate processes send 200 messages each to one recipient at the same moment, while two reader
/// processes for that recipient read and acknowledge in a loop. Every message must arrive exactly once,
/// the recipient's sequence numbers must be exactly 1..1200, and no message may be taken by both readers
/// or by neither. The harness checks that the senders (and the readers with them) really overlapped.
/// </summary>
public abstract class MessageRaces : IDisposable
{
    private const int Senders = 6;
    private const int PerSender = 200;
    private const int Readers = 2;
    private const int Total = Senders * PerSender;
    private const string Inbox = "inbox";

    private readonly TempProject _dir = new();
    private readonly ITestOutputHelper _output;
    private readonly Action? _cleanup;

    /// <param name="useStore">Points the scratch project at the store under test; returns how to clean it up.</param>
    protected MessageRaces(ITestOutputHelper output, Func<TempProject, Action?> useStore)
    {
        _output = output;
        _cleanup = useStore(_dir);
    }

    private readonly ChildProcesses _children = new();

    public void Dispose()
    {
        _children.Dispose();
        _dir.Dispose();
        _cleanup?.Invoke();
    }

    private sealed record Worker(string Name, ChildProcess Process);

    private sealed record Report(string Name, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<(long Id, long Seq, string Body)> Taken);

    private Worker Start(string name, string mode, string gate, int count, string? recipient = null)
    {
        string worker = Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll");
        Assert.True(File.Exists(worker), $"the worker was not built next to the tests: {worker}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { worker, _dir.Root, name, count.ToString(), mode, gate }) psi.ArgumentList.Add(a);
        if (recipient is not null) psi.ArgumentList.Add(recipient);
        return new Worker(name, _children.Start(psi));
    }

    private static Report Finish(Worker w)
    {
        var r = w.Process.WaitForOutput($"{w.Name} to finish", TimeSpan.FromMinutes(3));
        Assert.True(r.ExitCode == 0, $"{w.Name} failed: {r}");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var times = lines[0].Split(' ');
        var taken = lines.Skip(1).Select(l => l.Split(' ', 3)).Select(p => (long.Parse(p[0]), long.Parse(p[1]), p[2])).ToArray();
        return new Report(w.Name, new DateTimeOffset(long.Parse(times[0]), TimeSpan.Zero), new DateTimeOffset(long.Parse(times[1]), TimeSpan.Zero), taken);
    }

    [Fact]
    public void Six_senders_at_once_with_two_racing_readers_deliver_every_message_exactly_once()
    {
        using (var setup = _dir.Open(Inbox)) setup.Agents.Register(); // the recipient must be registered
        string gate = Path.Combine(_dir.Root, "go");
        var senders = Enumerable.Range(0, Senders).Select(i => Start($"s{i}", "message", gate, PerSender, Inbox)).ToList();
        var readers = Enumerable.Range(0, Readers).Select(_ => Start(Inbox, "reader", gate, Total)).ToList();
        StartGate.OpenWhenReady(gate, senders.Concat(readers).Select(w => w.Process));

        var sent = senders.Select(Finish).ToList();
        var read = readers.Select(Finish).ToList();

        // The senders really ran at once, and the readers were reading while they did.
        var latestStart = sent.Max(r => r.Start);
        var earliestEnd = sent.Min(r => r.End);
        Assert.True(latestStart < earliestEnd,
            $"the senders did not all run at once (last start {latestStart:HH:mm:ss.fff} >= first end {earliestEnd:HH:mm:ss.fff}), so the test proves nothing");
        Assert.All(read, r => Assert.True(r.Start < earliestEnd, $"{r.Name} started after a sender had finished"));

        // In the store: exactly Total messages, seqs exactly 1..Total, every sender's messages once and in its order.
        using var project = _dir.Open("checker");
        var stored = project.Store.Messages.ReadAll(Inbox, 0);
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), stored.Select(m => m.Seq));
        Assert.Equal(Total, stored.Select(m => m.Id).Distinct().Count());
        for (int s = 0; s < Senders; s++)
        {
            var mine = stored.Where(m => m.Sender == $"s{s}").Select(m => m.Body).ToList();
            Assert.Equal(Enumerable.Range(0, PerSender).Select(i => $"s{s} message {i}"), mine);
        }
        Assert.All(stored, m => Assert.True(m.IsAcknowledged));
        Assert.Equal(Total, project.Store.Messages.Cursor(Inbox));

        // By the readers: each message taken exactly once across both, each reader's in increasing seq order.
        var takenIds = read.SelectMany(r => r.Taken.Select(t => t.Id)).ToList();
        Assert.Equal(Total, takenIds.Count);
        Assert.Equal(stored.Select(m => m.Id).OrderBy(i => i), takenIds.OrderBy(i => i));
        foreach (var r in read)
        {
            var seqs = r.Taken.Select(t => t.Seq).ToList();
            Assert.Equal(seqs.OrderBy(x => x), seqs);
        }
        Assert.Empty(project.Store.Messages.ReadUnread(Inbox, 0));
        _output.WriteLine($"{Total} messages; senders overlapped by {(earliestEnd - latestStart).TotalMilliseconds:F0} ms; readers took {string.Join(" + ", read.Select(r => r.Taken.Count))}");
    }
}

/// <summary>The message races on the default SQLite store.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class MultiProcessMessageTests : MessageRaces
{
    public MultiProcessMessageTests(ITestOutputHelper output) : base(output, _ => null) { }
}

/// <summary>
/// The multi-process races run one at a time, after the other tests: sharing the machine with another race
/// can start one worker so late that the others have finished, and then the overlap check (rightly) fails.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiProcessRaces
{
    public const string Name = "Multi-process races";
}
