using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.Bench;

/// <summary>
/// Issues (docs/benchmarks.md, "Issues and claims"):
/// <list type="bullet">
/// <item>the ready list (available: unclaimed, unblocked, most severe first, then oldest) among 10,000 issues, in
/// process on an open project (target: at most 30 ms, beads' published figure for <c>bd ready</c> on 10k issues),
/// and as one <c>fastband issue ready</c> process when the published CLI is there;</item>
/// <item>claims per second with N processes (this executable in <c>issueworker</c> mode) all claiming the head of the
/// ready list at once, checked afterwards: every issue claimed at most once, the audit agrees with the workers.</item>
/// </list>
/// </summary>
public static class IssueBench
{
    private const double TargetMs = 30;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static void Run(BenchContext context, Report report)
    {
        ReadyList(context, report);
        Contention(context, report);
    }

    // ================================================================ ready list among 10k

    /// <summary>10k issues as a busy project has them: 40% new (a tenth of those blocked), 30% in progress, 30% resolved.</summary>
    private static void Populate(FastbandProject project, int count, double newShare, out int expectedReady)
    {
        var rng = new Random(42);
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var issues = new List<Issue>(count);
        expectedReady = 0;
        for (int i = 0; i < count; i++)
        {
            double u = rng.NextDouble();
            string status = u < newShare ? IssueStatus.New : u < newShare + (1 - newShare) / 2 ? IssueStatus.InProgress : IssueStatus.Resolved;
            var created = start.AddSeconds(i * 30 + rng.Next(30));
            // A tenth of the new ones wait for an issue in progress (one created earlier).
            var blockers = status == IssueStatus.New && i > 10 && rng.Next(10) == 0
                ? issues.Where(x => x.Status == IssueStatus.InProgress).Take(1).Select(x => x.Id).ToArray() : Array.Empty<string>();
            if (status == IssueStatus.New && blockers.Length == 0) expectedReady++;
            issues.Add(new Issue
            {
                Id = Inv($"issue_{i + 1:00000}"), Severity = IssueSeverity.All[rng.Next(4)], Title = Inv($"Issue number {i + 1}: something is wrong in module {rng.Next(200)}"),
                Description = "Found by the nightly run; see the logs.", Files = new[] { Inv($"src/module{rng.Next(200)}/file{rng.Next(50)}.cs") },
                BlockedBy = blockers, Status = status, CreatedBy = "bench", CreatedAt = created, UpdatedAt = created,
                AssignedTo = status == IssueStatus.InProgress ? Inv($"agent{rng.Next(20)}") : null, ClaimedAt = status == IssueStatus.InProgress ? created.AddHours(1) : null,
                ResolvedBy = status == IssueStatus.Resolved ? "agent0" : null, ResolvedAt = status == IssueStatus.Resolved ? created.AddHours(2) : null,
            });
        }
        project.Store.Issues.Import(issues, Array.Empty<Fix>(), new IssueActor("bench", Environment.MachineName, Environment.ProcessId, null), "bench data", DateTimeOffset.UtcNow);
    }

    private static void ReadyList(BenchContext context, Report report)
    {
        int count = context.Options.Int("issues", 10_000);
        int runs = context.Options.Int("issue-runs", 50);
        string dir = context.NewDirectory("issues-ready");
        context.Log($"issues-ready: {Fmt.N(count)} issues; {runs} timed runs per variant; load average {BenchContext.LoadAverage()}");
        Samples full, top10, open;
        int readyCount, expected;
        using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench" }))
        {
            Populate(project, count, 0.4, out expected);
            readyCount = project.Issues.Ready().Count;
            if (readyCount != expected) report.Fail($"issues-ready: the ready list has {readyCount} issues, expected {expected}");
            for (int i = 0; i < 5; i++) { project.Issues.Ready(); project.Issues.Ready(limit: 10); } // warm-up
            full = Time(runs, () => project.Issues.Ready());
            top10 = Time(runs, () => project.Issues.Ready(limit: 10));
        }
        // Open, list, dispose: what one cmdlet call or one CLI process pays in process.
        open = Time(runs, () =>
        {
            using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench" });
            p.Issues.Ready(limit: 10);
        });

        string? cli = context.Options.Get("cli") ?? (context.RepoRoot is { } r ? Path.Combine(r, ".build", "cli", "fastband") : null);
        Samples? process = null;
        if (cli is not null && File.Exists(cli))
        {
            RunCli(cli, dir); // untimed first run
            process = Time(Math.Min(runs, 20), () => RunCli(cli, dir));
        }
        else context.Log($"issues-ready: no published CLI at '{cli}': the process row is left out (./build.sh makes it)");
        context.Discard(dir);

        context.Log($"issues-ready: full list ({Fmt.N(readyCount)}) median {Fmt.Ms(full.Median)}, top 10 median {Fmt.Ms(top10.Median)}");
        report.Row(new SummaryRow(Inv($"ready list among {Fmt.N(count)} issues, in process: all {Fmt.N(readyCount)} ready / the first 10 (median, p95)"),
            $"{Fmt.Ms(full.Median)}, {Fmt.Ms(full.P95)} / {Fmt.Ms(top10.Median)}, {Fmt.Ms(top10.P95)}", "beads `bd ready`: 30 ms (published)",
            Fmt.Ratio(TargetMs / full.Median) + " faster", "≤ 30 ms", full.Median <= TargetMs));
        var body = new StringBuilder(Inv($"""
            {Fmt.N(count)} issues bulk-loaded in one transaction (severities uniform; 40% new, of which about a tenth blocked by an
            issue in progress; 30% in progress; 30% resolved), leaving {Fmt.N(readyCount)} ready. `project.Issues.Ready()` reads the
            partial index `ix_issues_available (severity, created_us, id) WHERE status = 'new' AND open_blockers = 0` in order
            (no sort) and builds the `Issue` objects. {runs} timed runs per variant after 5 warm-up runs; nearest-rank percentiles.

            | variant | runs | median | p95 | max |
            | --- | ---: | ---: | ---: | ---: |
            | `Ready()`: all {Fmt.N(readyCount)} ready issues, open project | {full.Count} | {Fmt.Ms(full.Median)} | {Fmt.Ms(full.P95)} | {Fmt.Ms(full.Max)} |
            | `Ready(limit: 10)`, open project | {top10.Count} | {Fmt.Ms(top10.Median)} | {Fmt.Ms(top10.P95)} | {Fmt.Ms(top10.Max)} |
            | `FastbandProject.Open` + `Ready(limit: 10)` + dispose | {open.Count} | {Fmt.Ms(open.Median)} | {Fmt.Ms(open.P95)} | {Fmt.Ms(open.Max)} |

            """));
        if (process is not null)
            body.AppendLine(Inv($"| one `fastband issue ready --limit 10 --json` process (start-up included) | {process.Count} | {Fmt.Ms(process.Median)} | {Fmt.Ms(process.P95)} | {Fmt.Ms(process.Max)} |"));
        body.AppendLine().AppendLine(Inv($"Baseline: beads publishes 30 ms for `bd ready` on 10k issues (it cannot run here). Target ≤ {TargetMs:0} ms for the full list in process: {(full.Median <= TargetMs ? "met" : "**not met**")}."));
        report.Section("Ready list among 10k issues", body.ToString());
    }

    private static Samples Time(int runs, Action action)
    {
        var ms = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        return new Samples(ms);
    }

    private static void RunCli(string cli, string project)
    {
        var psi = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--project", project, "issue", "ready", "--limit", "10", "--json" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"fastband issue ready failed: {p.StandardError.ReadToEnd()}");
    }

    // ================================================================ claims under contention

    private sealed record WorkerResult(int Worker, int Wins, int Refused, int Errors, long StartTicks, long EndTicks, double ClaimMedianMs, string? FirstError);

    private static void Contention(BenchContext context, Report report)
    {
        int[] levels = context.Options.Ints("issue-workers", new[] { 1, 2, 4, 8, 16 }).Where(n => n > 0).ToArray();
        if (levels.Length == 0) return;
        double seconds = context.Options.Double("issue-seconds", 5);
        var rows = new List<string>();
        foreach (int n in levels) rows.Add(ContendOnce(context, report, n, seconds));
        report.Section("Claims per second under contention", Inv($"""
            N processes (this executable in `issueworker` mode, agents `bench-w0`..), each with its project open, wait for
            one "go", then for {seconds:0.#} s loop: read the first 4 ready issues, claim the first (so every process goes for
            the same issue), count a win or a refusal. 5,000 ready issues. Afterwards the store must show each win as
            exactly one claimed issue held by its winner, and the audit exactly one successful claim per claimed issue.
            Claims/s counts wins over the span from the first start to the last end.

            | processes | wins | refusals | claims/s (wins) | attempts/s | median claim call | windows overlapped | double claims |
            | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |
            {string.Join("\n", rows)}
            """));
    }

    private static string ContendOnce(BenchContext context, Report report, int workers, double seconds)
    {
        string dir = context.NewDirectory(Inv($"issues-contend-{workers}"));
        using (var setup = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench" })) Populate(setup, 5000, 1.0, out _);
        context.Log(Inv($"issues-contend: {workers} processes for {seconds:0.#} s; load average {BenchContext.LoadAverage()}"));
        var processes = new List<(Process Process, Task<string> Stderr)>();
        var results = new List<WorkerResult>();
        try
        {
            for (int k = 0; k < workers; k++)
            {
                var psi = MultiProcessBench.SelfStartInfo();
                foreach (string a in new[] { "issueworker", "--project", dir, "--worker", k.ToString(CultureInfo.InvariantCulture), "--seconds", seconds.ToString(CultureInfo.InvariantCulture) })
                    psi.ArgumentList.Add(a);
                psi.RedirectStandardInput = true;
                psi.RedirectStandardOutput = true;
                psi.RedirectStandardError = true;
                psi.UseShellExecute = false;
                var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start an issue worker");
                processes.Add((p, p.StandardError.ReadToEndAsync()));
            }
            foreach (var (p, stderr) in processes)
                if (p.StandardOutput.ReadLine() != "ready") throw new InvalidOperationException($"an issue worker did not get ready: {stderr.Result}");
            foreach (var (p, _) in processes) { p.StandardInput.WriteLine("go"); p.StandardInput.Flush(); }
            foreach (var (p, stderr) in processes)
            {
                string? line = p.StandardOutput.ReadLine();
                if (!p.WaitForExit(TimeSpan.FromMinutes(2)) || p.ExitCode != 0 || line is null)
                    throw new InvalidOperationException($"an issue worker failed: {stderr.Result}");
                results.Add(JsonSerializer.Deserialize<WorkerResult>(line)!);
            }
        }
        finally
        {
            foreach (var (p, _) in processes)
            {
                if (!p.HasExited) p.Kill();
                p.Dispose();
            }
        }

        int wins = results.Sum(r => r.Wins), refused = results.Sum(r => r.Refused), errors = results.Sum(r => r.Errors);
        int claimedInStore, doubleClaims;
        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench-verify" }))
        {
            var claimed = p.Issues.List(new IssueQuery { Status = IssueStatus.InProgress });
            claimedInStore = claimed.Count;
            var perWorker = claimed.GroupBy(i => i.AssignedTo!).ToDictionary(g => g.Key, g => g.Count());
            foreach (var r in results)
                if (perWorker.GetValueOrDefault(Inv($"bench-w{r.Worker}")) != r.Wins)
                    report.Fail(Inv($"issues-contend ({workers}): worker {r.Worker} counted {r.Wins} wins, the store shows {perWorker.GetValueOrDefault(Inv($"bench-w{r.Worker}"))}"));
            doubleClaims = p.Issues.Audit(new AuditQuery()).Where(a => a.Action == AuditAction.ClaimIssue && a.Success)
                .GroupBy(a => a.IssueId).Count(g => g.Count() > 1);
        }
        context.Discard(dir);
        if (claimedInStore != wins) report.Fail($"issues-contend ({workers}): {wins} wins counted, {claimedInStore} issues claimed in the store");
        if (doubleClaims > 0) report.Fail($"issues-contend ({workers}): {doubleClaims} issues were claimed twice");
        if (errors > 0) report.Fail($"issues-contend ({workers}): {errors} errors: {results.Select(r => r.FirstError).FirstOrDefault(e => e is not null)}");
        long firstStart = results.Min(r => r.StartTicks), lastEnd = results.Max(r => r.EndTicks);
        bool overlapped = results.Max(r => r.StartTicks) < results.Min(r => r.EndTicks);
        double span = (lastEnd - firstStart) / (double)TimeSpan.TicksPerSecond;
        double rate = wins / span, attempts = (wins + refused) / span;
        double median = new Samples(results.Select(r => r.ClaimMedianMs)).Median;
        context.Log(Inv($"issues-contend ({workers}): {wins} wins, {refused} refusals in {span:0.00} s = {Fmt.Rate(rate)} claims/s; overlapped {overlapped}"));
        if (workers == context.Options.Ints("issue-workers", new[] { 1, 2, 4, 8, 16 }).Max()) // the headline row: the most processes
            report.Row(new SummaryRow(Inv($"claims/s with {workers} processes racing for the same issue (no double claim)"), Fmt.Rate(rate),
                "beads: double claims in 2-way races (#4657)", "", "exactly one winner", doubleClaims == 0 && claimedInStore == wins));
        return Inv($"| {workers} | {Fmt.N(wins)} | {Fmt.N(refused)} | {Fmt.Rate(rate)} | {Fmt.Rate(attempts)} | {Fmt.Ms(median)} | {(overlapped ? "yes" : "**no**")} | {doubleClaims} |");
    }

    /// <summary>One contending process: claims the head of the ready list in a loop and reports its counts as JSON.</summary>
    public static int Worker(Options options)
    {
        string project = options.Get("project") ?? throw new ArgumentException("--project");
        int worker = options.Int("worker", 0);
        double seconds = options.Double("seconds", 5);
        using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = Inv($"bench-w{worker}") });
        p.Issues.Ready(limit: 1);
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        if (Console.In.ReadLine() != "go") return 2;
        int wins = 0, refused = 0, errors = 0;
        string? firstError = null;
        var calls = new List<double>();
        long start = DateTimeOffset.UtcNow.UtcTicks;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var head = p.Issues.Ready(limit: 4);
            if (head.Count == 0) break;
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                p.Issues.Claim(head[0].Id);
                wins++;
            }
            catch (BlockedException e) when (e.ErrorId == "IssueUnavailable")
            {
                refused++;
            }
            catch (Exception e)
            {
                errors++;
                firstError ??= e.Message;
            }
            calls.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        long end = DateTimeOffset.UtcNow.UtcTicks;
        Console.Out.WriteLine(JsonSerializer.Serialize(new WorkerResult(worker, wins, refused, errors, start, end, calls.Count == 0 ? 0 : new Samples(calls).Median, firstError)));
        return 0;
    }
}
