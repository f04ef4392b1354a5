using System.Diagnostics;
using Fastband.Core.Issues;
using Fastband.Core.Tests.Concurrency;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Issues;

/// <summary>
/// Sixteen separate processes claim the same issue at the same moment, round after round, one new issue per
/// round. Each round every worker reports ready at the round's start gate (<see cref="StartGate"/>) and waits for
/// it, then opens the project and claims, as sixteen `fastband issue claim` calls would, and records when it passed
/// the gate, when its claim began and when it returned. A round counts as a proof only if the workers overlapped
/// (the last one passed the gate before the first one finished): on a loaded machine some rounds do not, so rounds
/// go on until <see cref="ProvingRounds"/> of them did (at most <see cref="MaxRounds"/>). Every round, proving or not, must have
/// exactly one winner, and the store and the audit trail must agree with the workers. The negative control runs
/// the same harness with a claim that reads and then writes outside a transaction, and must see two winners of one
/// issue in a round where the workers overlapped. The same races run on every backend (PostgresClaimRaceTests).
/// </summary>
public abstract class ClaimRaces : IDisposable
{
    private const int Workers = 16;
    private const int ProvingRounds = 20;
    private const int MaxRounds = 60;

    /// <summary>The unprotected writes meet SQLite's busy handler, which sleeps in whole seconds: few rounds suffice.</summary>
    private const int NegativeControlMaxRounds = 10;

    private readonly TempProject _dir = new();
    private readonly ITestOutputHelper _output;
    private readonly Action? _cleanup;

    /// <param name="useStore">Points the scratch project at the store under test; returns how to clean it up.</param>
    protected ClaimRaces(ITestOutputHelper output, Func<TempProject, Action?> useStore)
    {
        _output = output;
        _cleanup = useStore(_dir);
    }

    public void Dispose()
    {
        _dir.Dispose();
        _cleanup?.Invoke();
        GC.SuppressFinalize(this);
    }

    /// <summary>The host worker <paramref name="worker"/> claims to be on (FASTBAND_HOST), or null for the machine's own.</summary>
    protected virtual string? HostOf(int worker) => null;

    private sealed record Attempt(string Agent, int Round, DateTimeOffset Start, DateTimeOffset ClaimStart, DateTimeOffset End, bool Won, long? Token);

    private sealed record Round(int Number, IReadOnlyList<Attempt> Attempts)
    {
        public bool Overlapped => Attempts.Max(a => a.Start) < Attempts.Min(a => a.End);
        public IReadOnlyList<Attempt> Winners => Attempts.Where(a => a.Won).ToList();
    }

    private static DateTimeOffset At(string ticks) => new(long.Parse(ticks), TimeSpan.Zero);

    /// <summary>Runs rounds until <paramref name="enough"/> says the rounds so far suffice, or <paramref name="maxRounds"/> ran.</summary>
    private List<Round> Race(string mode, int maxRounds, Func<List<Round>, bool> enough)
    {
        using (var setup = _dir.Open("setup"))
            for (int r = 0; r < maxRounds; r++) setup.Issues.Create($"race issue {r}", "critical", id: $"race_{r:000}");
        string sync = Path.Combine(_dir.Root, "sync");
        Directory.CreateDirectory(sync);
        string worker = Path.Combine(AppContext.BaseDirectory, "Fastband.StressWorker.dll");
        Assert.True(File.Exists(worker), $"the worker was not built next to the tests: {worker}");
        var processes = Enumerable.Range(0, Workers).Select(i =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { worker, mode, _dir.Root, $"w{i:00}", maxRounds.ToString(), sync }) psi.ArgumentList.Add(a);
            if (HostOf(i) is { } host) psi.Environment[CallerIdentity.HostVariable] = host;
            return (Name: $"w{i:00}", Process: ChildProcess.Start(psi));
        }).ToList();
        var stderr = processes.Select(p => p.Process.StandardError.ReadToEndAsync()).ToList();
        var rounds = new List<Round>();
        try
        {
            for (int r = 0; r < maxRounds && !enough(rounds); r++)
            {
                // Every worker is at the gate before it opens; then every worker's result is in before the next round.
                StartGate.OpenWhenReady(Path.Combine(sync, $"go.{r}"), processes.Select(p => p.Process));
                WaitFor(sync, $"result.{r}.*", processes, $"not every worker finished round {r}");
                rounds.Add(new Round(r, Directory.EnumerateFiles(sync, $"result.{r}.*").Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal)).Select(file =>
                {
                    var f = File.ReadAllText(file).Split(' ');
                    return new Attempt(Path.GetFileName(file).Split('.')[2], int.Parse(f[0]), At(f[1]), At(f[2]), At(f[3]), f[4] == "won", f[5] == "-" ? null : long.Parse(f[5]));
                }).ToList()));
            }
            File.WriteAllText(Path.Combine(sync, "stop"), "");
            for (int i = 0; i < processes.Count; i++)
            {
                var (name, p) = processes[i];
                p.WaitForExit($"{name} to stop after the stop file");
                Assert.True(p.ExitCode == 0, $"{name} failed ({p.ExitCode}): {stderr[i].Result}");
            }
            return rounds;
        }
        finally
        {
            foreach (var (_, p) in processes) p.Dispose(); // kills what still runs
        }
    }

    private static void WaitFor(string sync, string pattern, List<(string Name, ChildProcess Process)> processes, string what)
    {
        var wait = Stopwatch.StartNew();
        while (Directory.EnumerateFiles(sync, pattern).Count(f => !f.EndsWith(".tmp", StringComparison.Ordinal)) < Workers)
        {
            var dead = processes.FirstOrDefault(p => p.Process.HasExited && p.Process.ExitCode != 0);
            Assert.True(dead.Process is null, $"{dead.Name} failed: {what}");
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(120), what);
            Thread.Sleep(1);
        }
    }

    [Fact]
    public void Sixteen_processes_claiming_one_issue_at_once_give_exactly_one_winner_every_time()
    {
        var rounds = Race("claim", MaxRounds, done => done.Count(r => r.Overlapped) >= ProvingRounds);
        var proving = rounds.Where(r => r.Overlapped).ToList();
        _output.WriteLine($"{rounds.Count} rounds of {Workers} processes, {proving.Count} of them overlapping");
        Assert.True(proving.Count >= ProvingRounds,
            $"only {proving.Count} of {rounds.Count} rounds had all {Workers} workers running at once: the machine is too loaded for this test to prove anything");

        using var project = _dir.Open("checker");
        var tokens = new List<long>();
        foreach (var round in rounds)
        {
            var winners = round.Winners;
            Assert.True(winners.Count == 1, $"round {round.Number}: {winners.Count} winners ({string.Join(", ", winners.Select(w => w.Agent))})");
            var issue = project.Issues.Get($"race_{round.Number:000}");
            Assert.Equal(IssueStatus.InProgress, issue.Status);
            Assert.Equal(winners[0].Agent, issue.AssignedTo);
            Assert.Equal(winners[0].Token, issue.ClaimToken);
            tokens.Add(issue.ClaimToken!.Value);
            var audit = project.Issues.Audit(new AuditQuery { IssueId = issue.Id }).Where(a => a.Action == AuditAction.ClaimIssue).ToList();
            Assert.Single(audit, a => a.Success);
            Assert.Equal(Workers - 1, audit.Count(a => !a.Success && a.Message.Contains($"claimed by {winners[0].Agent}")));
        }
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        Assert.Equal(tokens.OrderBy(t => t), tokens); // rounds run one after the other, so tokens increase with them
        var hosts = Enumerable.Range(0, Workers).Select(HostOf).OfType<string>().Distinct().Order().ToList();
        if (hosts.Count > 0) // the workers really claimed those hosts: each claim recorded its caller's presence
            Assert.Equal(hosts, project.Agents.List(includeInactive: true).Where(a => a.Name.StartsWith('w')).Select(a => a.Host).Distinct().Order().ToList());

        // The claims themselves raced: in the proving rounds, other workers began their claim before the winner's returned.
        var contenders = proving.Select(r => r.Attempts.Count(a => !a.Won && a.ClaimStart < r.Winners[0].End)).ToList();
        Assert.True(contenders.Sum() > 0, "no claim ever began while the winner's was running");
        _output.WriteLine($"losers that began their claim before the winner's returned, per proving round: {string.Join(" ", contenders)}");
        _output.WriteLine($"winners: {string.Join(" ", rounds.Select(r => r.Winners[0].Agent))}");
    }

    [Fact]
    public void Negative_control_a_claim_that_reads_then_writes_outside_a_transaction_gives_double_winners()
    {
        var rounds = Race("naiveclaim", NegativeControlMaxRounds, done => done.Any(r => r.Overlapped && r.Winners.Count > 1));
        _output.WriteLine($"winners per round: {string.Join(" ", rounds.Select(r => r.Winners.Count + (r.Overlapped ? "" : "(no overlap)")))}");
        Assert.True(rounds.Any(r => r.Overlapped && r.Winners.Count > 1),
            "the unprotected claim never gave two winners in a round where the workers overlapped: the harness cannot tell safe from unsafe");
    }
}

/// <summary>The claim races on the default SQLite store.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class ClaimRaceTests : ClaimRaces
{
    public ClaimRaceTests(ITestOutputHelper output) : base(output, _ => null) { }
}
