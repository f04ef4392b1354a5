using System.Collections.Concurrent;
using System.Diagnostics;
using Fastband.Core.Events;
using Fastband.Core.Tests.Concurrency;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>
/// events watch wakes on the store's notifications: with a poll interval of ten minutes, a watcher on PostgreSQL
/// regenerates the snapshot after another process logs an event, woken by LISTEN/NOTIFY (not by its half-minute
/// safety re-read); the same watcher on SQLite, which cannot push, is still asleep after the writer finished.
/// </summary>
[Collection(MultiProcessRaces.Name)]
public sealed class EventWatchWakeupTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed record Watching(FastbandProject Project, ConcurrentQueue<TranscriptResult> Runs, ConcurrentQueue<bool> Wakes, CancellationTokenSource Cancel, Task Loop);

    private Watching StartWatch()
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, FastbandConfig.FileName), "events:\n  pollInterval: 10m\n");
        var p = _dir.Open("watcher");
        p.Events.Log("question", "before the watch", newInteraction: true);
        var runs = new ConcurrentQueue<TranscriptResult>();
        var wakes = new ConcurrentQueue<bool>();
        p.Events.OnWakeup = wakes.Enqueue;
        var cancel = new CancellationTokenSource();
        var loop = Task.Run(() => { foreach (var r in p.Events.Watch(cancel.Token)) runs.Enqueue(r); });
        Assert.True(SpinWait.SpinUntil(() => !runs.IsEmpty, TimeSpan.FromSeconds(60)), "the watch never wrote its first snapshot");
        return new Watching(p, runs, wakes, cancel, loop);
    }

    /// <summary>Another process logs one event ("writer event 0") through EventService, as `fastband events log` does.</summary>
    private void LogFromAnotherProcess()
    {
        string gate = Path.Combine(_dir.Root, "gate");
        File.WriteAllText(gate, "");
        var psi = new ProcessStartInfo("dotnet");
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll"), "event", _dir.Root, "writer", "1", gate }) psi.ArgumentList.Add(a);
        if (_dir.Environment(Fastband.Core.Store.StoreSettings.Variable) is { } store) psi.Environment[Fastband.Core.Store.StoreSettings.Variable] = store;
        var r = ChildProcess.Run(psi);
        Assert.True(r.ExitCode == 0, $"the writer failed: {r}");
    }

    private static async Task Stop(Watching w)
    {
        w.Cancel.Cancel();
        await w.Loop.WaitAsync(TimeSpan.FromSeconds(60));
        w.Project.Dispose();
        w.Cancel.Dispose();
    }

    [Fact]
    public async Task A_watch_on_postgres_with_a_ten_minute_poll_regenerates_when_another_process_logs_an_event()
    {
        _dir.UsePostgres("watch");
        var w = StartWatch();
        LogFromAnotherProcess();
        // Not a deadline: without a notification the watcher would wake only on its safety re-read, which says false.
        Assert.True(SpinWait.SpinUntil(() => w.Runs.Count >= 2, TimeSpan.FromMinutes(2)), "the watch never regenerated");
        Assert.Contains(true, w.Wakes); // woken by NOTIFY
        Assert.Contains("writer event 0", File.ReadAllText(Path.Combine(w.Project.Events.FilesDirectory, TranscriptWriter.CommunicationFileName)));
        await Stop(w);
    }

    [Fact]
    public async Task Control_the_same_watch_on_sqlite_still_sleeps_after_the_other_process_logged()
    {
        var w = StartWatch();
        LogFromAnotherProcess();
        Thread.Sleep(TimeSpan.FromSeconds(2)); // a pause only: nothing can wake this watcher before its ten-minute poll
        Assert.Single(w.Runs);
        Assert.DoesNotContain(true, w.Wakes);
        Assert.DoesNotContain("writer event 0", File.ReadAllText(Path.Combine(w.Project.Events.FilesDirectory, TranscriptWriter.CommunicationFileName)));
        await Stop(w);
    }
}
