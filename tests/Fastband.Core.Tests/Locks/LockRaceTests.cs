using System.Collections.Concurrent;
using System.Diagnostics;
using Fastband.Core.Locks;
using Fastband.Core.Tests.Concurrency;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Locks;

/// <summary>
/// Locks between real processes: mutual exclusion, crashes, TTLs, queue order. Runs once per store backend:
/// a subclass points the scratch project at its store (and says how to clean it up) in the constructor.
/// </summary>
public abstract class LockRaces : IDisposable
{
    protected readonly TempProject _dir = new();
    private readonly ITestOutputHelper _output;
    private readonly ChildProcesses _children = new();

    protected ITestOutputHelper Output => _output;

    private readonly Action? _cleanup;

    protected LockRaces(ITestOutputHelper output, Func<TempProject, Action?> useStore)
    {
        _output = output;
        _cleanup = useStore(_dir);
    }

    public virtual void Dispose()
    {
        _children.Dispose();
        _dir.Dispose();
        _cleanup?.Invoke();
    }

    private static string Worker => Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll");

    protected ChildProcess Start(params string[] args) => StartOn(null, args);

    protected ChildProcess StartOn(string? host, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment.Remove(CallerIdentity.HostVariable);
        if (host is not null) psi.Environment[CallerIdentity.HostVariable] = host;
        psi.ArgumentList.Add(Worker);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return _children.Start(psi);
    }

    /// <param name="hostOf">The host each worker claims (FASTBAND_HOST), by worker number; null: the machine's own name.</param>
    protected (List<string> Marks, List<(long Start, long End)> Windows) Race(string mode, int workers, int each, Func<int, string?>? hostOf = null)
    {
        using (_dir.Open("setup")) { }
        string gate = Path.Combine(_dir.Root, "go"), marks = Path.Combine(_dir.Root, "marks.txt");
        var procs = Enumerable.Range(0, workers).Select(i => StartOn(hostOf?.Invoke(i), mode, _dir.Root, $"w{i}", each.ToString(), gate, marks)).ToList();
        StartGate.OpenWhenReady(gate, procs);
        var windows = new List<(long, long)>();
        foreach (var p in procs)
        {
            var r = p.WaitForOutput("a lock worker to finish", TimeSpan.FromMinutes(3));
            Assert.True(r.ExitCode == 0, $"worker failed: {r}");
            var parts = r.Stdout.Trim().Split(' ');
            windows.Add((long.Parse(parts[0]), long.Parse(parts[1])));
        }
        return (File.ReadAllLines(marks).ToList(), windows);
    }

    /// <summary>Every "enter" is followed by the same agent's "exit" before anyone else enters.</summary>
    protected static List<string> Violations(List<string> marks)
    {
        var problems = new List<string>();
        for (int i = 0; i + 1 < marks.Count; i += 2)
        {
            if (!marks[i].StartsWith("enter ") || marks[i + 1] != "exit " + marks[i][6..])
            {
                problems.Add($"line {i + 1}: '{marks[i]}' then '{marks[i + 1]}'");
                if (problems.Count > 5) break;
            }
        }
        return problems;
    }

    [Fact]
    public void Eight_processes_contending_for_one_lock_never_overlap_in_the_critical_section()
    {
        var (marks, windows) = Race("lock", 8, 15);
        Assert.True(windows.Max(w => w.Start) < windows.Min(w => w.End), "the workers did not run at once");
        Assert.Equal(8 * 15 * 2, marks.Count);
        Assert.Empty(Violations(marks));
        var entersPerAgent = marks.Where(m => m.StartsWith("enter ")).GroupBy(m => m).Select(g => g.Count());
        Assert.All(entersPerAgent, n => Assert.Equal(15, n));
    }

    protected (ChildProcess Holder, string LeaseId, long Token) Hold(string agent, int ttlSeconds, bool tied, string resource = "shared.txt", string? host = null)
    {
        using (_dir.Open("setup")) { }
        var holder = StartOn(host, "hold", _dir.Root, agent, ttlSeconds.ToString(), tied ? "tied" : "untied", resource);
        var line = holder.ReadLine($"{agent} to report the lock it holds");
        if (!line.StartsWith("held "))
            Assert.Fail($"holder did not take the lock: {line}");
        var parts = line.Split(' ');
        return (holder, parts[1], long.Parse(parts[2]));
    }

    [Fact]
    public void A_lock_tied_to_a_process_killed_with_SIGKILL_goes_to_the_next_acquirer_at_once()
    {
        var (holder, leaseId, _) = Hold("crasher", ttlSeconds: 3600, tied: true);
        using var next = _dir.Open("next");
        Assert.False(next.Locks.Acquire(new LockRequest { Resources = new[] { "shared.txt" } }).Granted);
        Assert.Empty(next.Locks.Cleanup()); // a live holder's lock survives cleanup

        holder.Kill(); // SIGKILL: no chance to release; returns once it is gone
        var r = next.Locks.Acquire(new LockRequest { Resources = new[] { "shared.txt" } }); // no waiting for the hour-long TTL
        Assert.True(r.Granted, r.Message);
        var reclaimed = Assert.Single(r.Reclaimed);
        Assert.Equal(leaseId, reclaimed.Lease.LeaseId);
        Assert.Equal("process-dead", reclaimed.Why);
    }

    [Fact]
    public void An_untied_lease_outlives_its_process_and_is_granted_to_others_only_after_its_TTL()
    {
        var (holder, _, _) = Hold("shortcall", ttlSeconds: 2, tied: false);
        holder.Kill(); // returns once it is gone
        using var next = _dir.Open("next");
        Assert.False(next.Locks.Acquire(new LockRequest { Resources = new[] { "shared.txt" } }).Granted); // the process is gone, the lease is not
        var r = next.Locks.Acquire(new LockRequest { Resources = new[] { "shared.txt" }, Wait = TimeSpan.FromSeconds(20) });
        Assert.True(r.Granted, r.Message);
        Assert.Equal("expired", Assert.Single(r.Reclaimed).Why);
        Assert.True(r.Waited > TimeSpan.FromSeconds(0.5));
    }

    [Fact]
    public async Task A_hold_posted_while_a_request_waits_refuses_it_instead_of_granting_it_when_the_lock_frees()
    {
        using var holder = _dir.Open("holder");
        var lease = holder.Locks.Acquire(new LockRequest { Resources = new[] { "held.txt" } }).Lease!;
        var waiting = Task.Run(() =>
        {
            using var w = _dir.Open("waiter");
            return w.Locks.Acquire(new LockRequest { Resources = new[] { "held.txt" }, Wait = TimeSpan.FromSeconds(60) });
        });
        Assert.True(SpinWait.SpinUntil(() => holder.Locks.List().Waiters.Count == 1, TimeSpan.FromSeconds(20)), "the waiter never queued");
        using (var ops = _dir.Open("ops")) ops.Directives.Hold("migration");
        holder.Locks.Release(lease.LeaseId);
        var e = await Assert.ThrowsAsync<BlockedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("HoldInForce", e.ErrorId);
        Assert.Empty(holder.Locks.List().Leases);
        Assert.Empty(holder.Locks.List().Waiters); // it left the queue
    }

    [Fact]
    public async Task Waiters_are_served_in_arrival_order()
    {
        using var holder = _dir.Open("holder");
        var first = holder.Locks.Acquire(new LockRequest { Resources = new[] { "queue.txt" } }).Lease!;
        var granted = new ConcurrentQueue<string>();
        var waiters = new List<Task>();
        for (int i = 0; i < 5; i++)
        {
            string agent = $"waiter{i}";
            waiters.Add(Task.Run(() =>
            {
                using var p = _dir.Open(agent);
                var r = p.Locks.Acquire(new LockRequest { Resources = new[] { "queue.txt" }, Wait = TimeSpan.FromSeconds(60) });
                Assert.True(r.Granted, r.Message);
                granted.Enqueue(agent);
                Thread.Sleep(30);
                p.Locks.Release(r.Lease!.LeaseId);
            }));
            int expected = i + 1; // wait until this waiter is queued before the next one arrives
            Assert.True(SpinWait.SpinUntil(() => holder.Locks.List().Waiters.Count == expected, TimeSpan.FromSeconds(20)), "a waiter never queued");
        }
        var queue = holder.Locks.List().Waiters.Select(w => w.Agent).ToArray();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"waiter{i}"), queue); // lock list shows who waits, in order
        holder.Locks.Release(first.LeaseId);
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"waiter{i}"), granted);
    }

    [Fact]
    public async Task A_newcomer_does_not_jump_the_queue_even_when_the_lock_is_momentarily_free()
    {
        using var holder = _dir.Open("holder");
        var lease = holder.Locks.Acquire(new LockRequest { Resources = new[] { "q" } }).Lease!;
        var waiting = Task.Run(() =>
        {
            using var w = _dir.Open("patient");
            return w.Locks.Acquire(new LockRequest { Resources = new[] { "q" }, Wait = TimeSpan.FromSeconds(30) });
        });
        Assert.True(SpinWait.SpinUntil(() => holder.Locks.List().Waiters.Count == 1, TimeSpan.FromSeconds(20)));
        holder.Locks.Release(lease.LeaseId);
        using var rude = _dir.Open("rude");
        var jump = rude.Locks.Acquire(new LockRequest { Resources = new[] { "q" } });
        // Either the patient waiter already has it, or it is still queued ahead: the newcomer loses both ways.
        Assert.False(jump.Granted);
        Assert.True((await waiting.WaitAsync(TimeSpan.FromSeconds(60))).Granted);
    }
}

/// <summary>The lock races on the default SQLite store.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class LockRaceTests : LockRaces
{
    public LockRaceTests(ITestOutputHelper output) : base(output, _ => null) { }

    // The negative control runs without any store, so it runs once, here, not once per backend.
    [Fact]
    public void Negative_control_without_the_lock_the_harness_sees_two_enters_in_a_row()
    {
        // More rounds than the locked run: unprotected, each worker is done in a few milliseconds per round, and the
        // workers must still be seen running at once on a busy machine.
        var (marks, windows) = Race("nolock", 8, 100);
        Assert.True(windows.Max(w => w.Start) < windows.Min(w => w.End), "the workers did not run at once");
        var problems = Violations(marks);
        Output.WriteLine(string.Join("\n", problems));
        Assert.NotEmpty(problems);
    }
}
