using System.Diagnostics;
using Fastband.Core.Tests.Git;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Concurrency;

/// <summary>
/// Eight separate processes commit into one repository at the same moment. Through Fastband every commit lands,
/// each with exactly its own file and its agent's trailer; the negative control runs the same race with plain
/// <c>git add</c> + <c>git commit</c> processes and shows git's own index.lock failures.
/// </summary>
[Collection(MultiProcessRaces.Name)]
public sealed class MultiProcessGitCommitTests : IDisposable
{
    private const int Workers = 8;
    private const int PerWorker = 10;

    private readonly GitTestRepo _repo = new();
    private readonly ITestOutputHelper _output;

    public MultiProcessGitCommitTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _repo.Dispose();

    private sealed record Report(string Name, DateTimeOffset Start, DateTimeOffset End, int Failures, int Retries, IReadOnlyList<string> Errors);

    private List<Report> Race(string mode)
    {
        // Create the store once first, so the workers race on git, not on the first migration.
        using (var setup = FastbandProject.Open(new ProjectOptions { ProjectPath = _repo.Root, Agent = "setup", Environment = _ => null })) setup.Sessions.List();
        string gate = Path.Combine(Path.GetTempPath(), "fastband-gate-" + Guid.NewGuid().ToString("N"));
        string worker = Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll");
        Assert.True(File.Exists(worker), $"the worker was not built next to the tests: {worker}");
        using var children = new ChildProcesses();
        var processes = Enumerable.Range(0, Workers).Select(i =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { worker, "gitcommit", _repo.Root, $"w{i}", PerWorker.ToString(), gate, mode }) psi.ArgumentList.Add(a);
            return (Name: $"w{i}", Process: children.Start(psi));
        }).ToList();
        try
        {
            StartGate.OpenWhenReady(gate, processes.Select(w => w.Process));
            return processes.Select(w =>
            {
                var r = w.Process.WaitForOutput($"{w.Name} to finish its commits", TimeSpan.FromMinutes(3));
                Assert.True(r.ExitCode == 0, $"{w.Name} failed: {r}");
                var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var f = lines[0].Split(' ');
                return new Report(w.Name, new DateTimeOffset(long.Parse(f[0]), TimeSpan.Zero), new DateTimeOffset(long.Parse(f[1]), TimeSpan.Zero),
                    int.Parse(f[2]), int.Parse(f[3]), lines.Skip(1).ToArray());
            }).ToList();
        }
        finally
        {
            File.Delete(gate);
            if (Directory.Exists(StartGate.ReadyFolder(gate))) Directory.Delete(StartGate.ReadyFolder(gate), recursive: true);
        }
    }

    private static void AssertOverlapped(IReadOnlyList<Report> reports)
    {
        var latestStart = reports.Max(r => r.Start);
        var earliestEnd = reports.Min(r => r.End);
        Assert.True(latestStart < earliestEnd,
            $"the workers did not all run at once (last start {latestStart:HH:mm:ss.fff} >= first end {earliestEnd:HH:mm:ss.fff}), so the test proves nothing");
    }

    [Fact]
    public void Eight_processes_committing_at_once_through_fastband_all_succeed_each_commit_holding_only_its_own_file()
    {
        var reports = Race("fastband");

        AssertOverlapped(reports);
        Assert.All(reports, r => Assert.Equal(0, r.Failures));
        // Every commit is there, attributed, and holds exactly the file its worker wrote for it.
        var log = _repo.Git("log", "--format=%x1e%(trailers:key=Agent,valueonly)%x00%(trailers:key=Task,valueonly)", "--name-only", "HEAD~" + Workers * PerWorker + "..HEAD")
            .Split('\x1e', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Workers * PerWorker, log.Length);
        foreach (var entry in log)
        {
            var parts = entry.Split('\0');
            string agent = parts[0].Trim();
            var rest = parts[1].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string task = rest[0];
            Assert.Equal(new[] { $"{agent}/f{task[1..]}.txt" }, rest.Skip(1).ToArray());
        }
        for (int w = 0; w < Workers; w++)
            for (int i = 0; i < PerWorker; i++)
                Assert.Equal($"w{w} change {i}\n", _repo.Git("show", $"HEAD:w{w}/f{i}.txt"));
        Assert.Equal("", _repo.Git("status", "--porcelain", "--", ".", ":(exclude).fastband"));
        Assert.Equal("1\n", _repo.Git("rev-list", "--count", "--max-parents=0", "HEAD")); // one linear history
        _output.WriteLine($"{Workers * PerWorker} commits; overlapped by {(reports.Min(r => r.End) - reports.Max(r => r.Start)).TotalMilliseconds:F0} ms; index.lock retries {reports.Sum(r => r.Retries)}");
    }

    [Fact]
    public void Negative_control_plain_git_add_and_commit_processes_at_once_fail_on_index_lock()
    {
        var reports = Race("plain");

        AssertOverlapped(reports);
        int failures = reports.Sum(r => r.Failures);
        var errors = reports.SelectMany(r => r.Errors).ToList();
        _output.WriteLine($"plain git: {failures} of {Workers * PerWorker} add+commit pairs failed; e.g. {errors.FirstOrDefault()}");
        Assert.True(failures > 0, "without Fastband's serialisation and retries, some plain git commits should have failed on index.lock");
        Assert.Contains(errors, e => e.Contains("index.lock", StringComparison.Ordinal));
    }
}
