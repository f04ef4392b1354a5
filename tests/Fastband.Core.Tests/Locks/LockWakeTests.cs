using System.Diagnostics;
using Fastband.Core.Locks;
using Fastband.Core.Tests.Concurrency;
using Xunit;

namespace Fastband.Core.Tests.Locks;

/// <summary>
/// Hand-off without polling (<see cref="LockWake"/>): a queued waiter sleeps on its doorbell and is let through by
/// the release's ring or by the holder's exit, not by its poll. Every waiter here looks at the lock state unprompted
/// only every 10 minutes, so a grant within the (generous) deadline can only come from a ring or a pidfd; nothing is
/// timed. On a platform without doorbells (<see cref="WakeSocket.Supported"/> false) these tests have nothing to show.
/// </summary>
[Collection(MultiProcessRaces.Name)]
public sealed class LockWakeTests : IDisposable
{
    private static readonly TimeSpan NoPoll = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TempProject _dir = new();
    private readonly ChildProcesses _children = new();

    public void Dispose()
    {
        _children.Dispose();
        _dir.Dispose();
    }

    private static bool Doorbells()
    {
        // Where doorbells are expected they must work: a silent fallback to polling would pass the positive tests.
        if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is
                System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64)
            Assert.True(WakeSocket.Supported, "doorbells should work on Linux x64/arm64");
        return WakeSocket.Supported;
    }

    private static string Worker => Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll");

    private ChildProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment.Remove(CallerIdentity.HostVariable);
        psi.ArgumentList.Add(Worker);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return _children.Start(psi);
    }

    /// <summary>A waiter process on <paramref name="resource"/> that looks unprompted only every 10 minutes.</summary>
    private ChildProcess StartWaiter(string agent, string resource, int holdMs = 0) =>
        Start("wait", _dir.Root, agent, resource, NoPoll.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), holdMs.ToString());

    /// <summary>
    /// Until <paramref name="count"/> waiters are queued and each has shown itself once since queuing: a waiter's first
    /// heartbeat comes after the look it takes once its doorbell is bound, so from then on it is asleep on it.
    /// </summary>
    private static void UntilAsleep(FastbandProject observer, int count) =>
        Assert.True(SpinWait.SpinUntil(() =>
        {
            var waiters = observer.Locks.List().Waiters;
            return waiters.Count == count && waiters.All(w => w.SeenAt > w.EnqueuedAt);
        }, Deadline), $"{count} waiter(s) never queued and slept");

    [Fact]
    public void A_waiter_in_another_process_is_woken_by_the_release_not_by_its_poll()
    {
        if (!Doorbells()) return;
        using var holder = _dir.Open("holder");
        var lease = holder.Locks.Acquire(new LockRequest { Resources = new[] { "woken.txt" } }).Lease!;
        var waiter = StartWaiter("sleeper", "woken.txt");
        UntilAsleep(holder, 1);

        holder.Locks.Release(lease.LeaseId);
        string line = waiter.ReadLine("the waiter to be granted after the release", Deadline);
        Assert.StartsWith("granted ", line);
        Assert.Equal("released", waiter.ReadLine("the waiter to release", Deadline));
    }

    [Fact]
    public void Negative_control_a_release_that_rings_nobody_leaves_the_waiter_asleep_until_a_ring()
    {
        if (!Doorbells()) return;
        using var holder = _dir.Open("holder");
        var lease = holder.Locks.Acquire(new LockRequest { Resources = new[] { "silent.txt" } }).Lease!;
        var waiter = StartWaiter("sleeper", "silent.txt");
        UntilAsleep(holder, 1);

        holder.Locks.WakeEnabled = false; // this release rings nobody
        holder.Locks.Release(lease.LeaseId);
        Thread.Sleep(TimeSpan.FromSeconds(3));
        Assert.False(waiter.HasExited);
        var listing = holder.Locks.List();
        Assert.Empty(listing.Leases); // the lock is free ...
        Assert.Equal("sleeper", Assert.Single(listing.Waiters).Agent); // ... and the waiter still sleeps in the queue

        // Any later commit that rings lets it through: here an unrelated lock taken and released.
        holder.Locks.WakeEnabled = true;
        var other = holder.Locks.Acquire(new LockRequest { Resources = new[] { "elsewhere.txt" } }).Lease!;
        holder.Locks.Release(other.LeaseId);
        Assert.StartsWith("granted ", waiter.ReadLine("the waiter to be granted after a ring", Deadline));
    }

    [Fact]
    public void A_waiter_is_woken_by_the_exit_of_a_holder_tied_to_its_process()
    {
        if (!Doorbells()) return;
        using (_dir.Open("setup")) { }
        var holder = Start("hold", _dir.Root, "crasher", "3600", "tied", "shared.txt");
        string held = holder.ReadLine("the holder to take the lock", Deadline);
        Assert.StartsWith("held ", held);
        string leaseId = held.Split(' ')[1];
        var waiter = StartWaiter("heir", "shared.txt");
        using var observer = _dir.Open("observer");
        UntilAsleep(observer, 1);

        holder.Kill(); // SIGKILL: nobody releases, nobody rings
        string line = waiter.ReadLine("the waiter to take over the dead holder's lock", Deadline);
        Assert.Equal("process-dead", line.Split(' ')[2]);
        Assert.Contains(observer.Locks.History(new[] { "reclaimed" }, 10), e => e.LeaseId == leaseId && e.Detail == "process-dead");
    }

    [Fact]
    public void A_release_passes_over_a_waiter_that_died_in_the_queue_and_rings_the_one_behind_it()
    {
        if (!Doorbells()) return;
        using var holder = _dir.Open("holder");
        var lease = holder.Locks.Acquire(new LockRequest { Resources = new[] { "line.txt" } }).Lease!;
        var doomed = StartWaiter("doomed", "line.txt");
        Assert.True(SpinWait.SpinUntil(() => holder.Locks.List().Waiters.Count == 1, Deadline), "the first waiter never queued");
        var next = StartWaiter("next", "line.txt");
        UntilAsleep(holder, 2);

        doomed.Kill(); // its row stays until someone drops it; its doorbell is gone with it
        holder.Locks.Release(lease.LeaseId); // the ring finds nobody at the first doorbell and rings the second
        Assert.StartsWith("granted ", next.ReadLine("the second waiter to be granted past the dead first one", Deadline));
        Assert.DoesNotContain(holder.Locks.List().Waiters, w => w.Agent == "doomed");
    }

    [Fact]
    public void Waiters_in_four_processes_are_woken_one_after_the_other_in_queue_order()
    {
        if (!Doorbells()) return;
        using var holder = _dir.Open("holder");
        var lease = holder.Locks.Acquire(new LockRequest { Resources = new[] { "fifo.txt" } }).Lease!;
        var waiters = new List<ChildProcess>();
        for (int i = 0; i < 4; i++)
        {
            waiters.Add(StartWaiter($"waiter{i}", "fifo.txt", holdMs: 50));
            int queued = i + 1; // each queued before the next arrives
            Assert.True(SpinWait.SpinUntil(() => holder.Locks.List().Waiters.Count == queued, Deadline), "a waiter never queued");
        }
        UntilAsleep(holder, 4);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"waiter{i}"), holder.Locks.List().Waiters.Select(w => w.Agent));

        holder.Locks.Release(lease.LeaseId); // rings waiter0; each waiter's release rings the next
        var tokens = waiters.Select((w, i) => w.ReadLine($"waiter{i} to be granted", Deadline))
            .Select(line => long.Parse(line.Split(' ')[1])).ToList();
        Assert.Equal(tokens.Order(), tokens); // fencing tokens increase in queue order: granted in that order
        var grants = holder.Locks.History(new[] { "acquired" }, 10).Where(e => e.Agent.StartsWith("waiter")).Reverse().Select(e => e.Agent);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"waiter{i}"), grants);
        foreach (var w in waiters) Assert.Equal("released", w.ReadLine("a waiter to release", Deadline));
    }

    [Fact]
    public async Task One_release_wakes_every_shared_waiter_at_the_head_of_the_queue_and_no_exclusive_one_behind_them()
    {
        if (!Doorbells()) return;
        using var holder = _dir.Open("holder");
        var lease = holder.Locks.Acquire(new LockRequest { Resources = new[] { "docs/**" } }).Lease!;
        var projects = new List<FastbandProject>();
        var shared = new List<Task<LockResult>>();
        Task<LockResult> Queue(string agent, bool isShared)
        {
            var p = _dir.Open(agent);
            p.Locks.FallbackPoll = NoPoll;
            projects.Add(p);
            var t = Task.Run(() => p.Locks.Acquire(new LockRequest { Resources = new[] { "docs/a.md" }, Shared = isShared, Wait = TimeSpan.FromMinutes(2) }));
            int queued = projects.Count;
            Assert.True(SpinWait.SpinUntil(() => holder.Locks.List().Waiters.Count == queued, Deadline), $"{agent} never queued");
            return t;
        }
        try
        {
            for (int i = 0; i < 3; i++) shared.Add(Queue($"reader{i}", isShared: true));
            var writer = Queue("writer", isShared: false);
            UntilAsleep(holder, 4);

            holder.Locks.Release(lease.LeaseId);
            var granted = await Task.WhenAll(shared).WaitAsync(Deadline);
            Assert.All(granted, r => Assert.True(r.Granted, r.Message));
            Assert.False(writer.IsCompleted); // still behind the readers' leases
            Assert.Equal("writer", Assert.Single(holder.Locks.List().Waiters).Agent);

            for (int i = 0; i < 3; i++) projects[i].Locks.Release(granted[i].Lease!.LeaseId); // the last one out rings the writer
            Assert.True((await writer.WaitAsync(Deadline)).Granted);
        }
        finally
        {
            foreach (var p in projects) p.Dispose();
        }
    }

    [Fact]
    public async Task Cancellation_ends_a_wait_on_the_doorbell_at_once_and_leaves_the_queue()
    {
        if (!Doorbells()) return;
        using var holder = _dir.Open("holder");
        holder.Locks.Acquire(new LockRequest { Resources = new[] { "cancel.txt" } });
        using var waiter = _dir.Open("waiter");
        waiter.Locks.FallbackPoll = NoPoll;
        using var cts = new CancellationTokenSource();
        var waiting = Task.Run(() => waiter.Locks.Acquire(new LockRequest { Resources = new[] { "cancel.txt" }, Wait = TimeSpan.FromMinutes(10) }, cts.Token));
        UntilAsleep(holder, 1);

        cts.Cancel();
        var r = await waiting.WaitAsync(Deadline); // the wait had 10 minutes left, and so had its poll
        Assert.False(r.Granted);
        Assert.Empty(holder.Locks.List().Waiters);
    }
}
