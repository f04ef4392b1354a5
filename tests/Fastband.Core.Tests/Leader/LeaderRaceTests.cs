using System.Diagnostics;
using Fastband.Core.Tests.Concurrency;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Leader;

/// <summary>
/// Campaigns racing in separate processes: exactly one leader, and the look-then-elect control shows why it takes
/// one transaction. The same races run on every backend (PostgresLeaderRaceTests).
/// </summary>
public abstract class LeaderRaces : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly ITestOutputHelper _output;
    private readonly ChildProcesses _children = new();
    private readonly Action? _cleanup;

    /// <param name="useStore">Points the scratch project at the store under test; returns how to clean it up.</param>
    protected LeaderRaces(ITestOutputHelper output, Func<TempProject, Action?> useStore)
    {
        _output = output;
        _cleanup = useStore(_dir);
    }

    public void Dispose()
    {
        _children.Dispose();
        _dir.Dispose();
        _cleanup?.Invoke();
        GC.SuppressFinalize(this);
    }

    /// <summary>The host worker <paramref name="worker"/> claims to be on (FASTBAND_HOST), or null for the machine's own.</summary>
    protected virtual string? HostOf(int worker) => null;

    private (List<(string Agent, long Term)> Wins, List<(long Start, long End)> Windows) Race(string mode, int workers, int attempts)
    {
        using (_dir.Open("setup")) { }
        string gate = Path.Combine(_dir.Root, "go");
        var procs = Enumerable.Range(0, workers).Select(i =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll"), mode, _dir.Root, $"w{i}", attempts.ToString(), gate }) psi.ArgumentList.Add(a);
            if (HostOf(i) is { } host) psi.Environment[CallerIdentity.HostVariable] = host;
            return (Agent: $"w{i}", Process: _children.Start(psi));
        }).ToList();
        StartGate.OpenWhenReady(gate, procs.Select(p => p.Process));
        var wins = new List<(string, long)>();
        var windows = new List<(long, long)>();
        foreach (var (agent, p) in procs)
        {
            var r = p.WaitForOutput($"worker {agent} to finish campaigning", TimeSpan.FromMinutes(3));
            Assert.True(r.ExitCode == 0, $"worker {agent} failed: {r}");
            var lines = r.Stdout.Trim().Split('\n');
            var times = lines[0].Split(' ');
            windows.Add((long.Parse(times[0]), long.Parse(times[1])));
            wins.AddRange(lines.Skip(1).Select(l => (agent, long.Parse(l.Split(' ')[1]))));
        }
        _output.WriteLine($"{mode}: wins {string.Join(", ", wins.Select(w => $"{w.Item1}@{w.Item2}"))}");
        return (wins, windows);
    }

    [Fact]
    public void Eight_processes_campaigning_at_once_elect_exactly_one_leader()
    {
        var (wins, windows) = Race("campaign", 8, 40);
        Assert.True(windows.Max(w => w.Start) < windows.Min(w => w.End), "the workers did not campaign at the same time");
        var (agent, term) = Assert.Single(wins);
        Assert.Equal(1, term);
        using var p = _dir.Open("viewer");
        var terms = p.Store.Leader.Terms(100);
        Assert.Equal(agent, Assert.Single(terms).Agent);
        Assert.Equal(agent, p.Leader.Show().Leader);
        Assert.Single(p.Locks.List().Leases);
    }

    [Fact]
    public void Negative_control_looking_for_a_leader_and_electing_in_separate_steps_elects_several()
    {
        var (wins, windows) = Race("naivecampaign", 8, 40);
        Assert.True(windows.Max(w => w.Start) < windows.Min(w => w.End), "the workers did not campaign at the same time");
        Assert.True(wins.Select(w => w.Agent).Distinct().Count() > 1, $"only {wins.Count} win(s): the race was not reproduced");
    }
}

/// <summary>The campaign races on the default SQLite store.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class LeaderRaceTests : LeaderRaces
{
    public LeaderRaceTests(ITestOutputHelper output) : base(output, _ => null) { }
}
