using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.Bench;

/// <summary>
/// Locks (docs/benchmarks.md, "Locks"), in three measurements that <c>locks</c> runs one after the other:
/// <list type="bullet">
/// <item><c>lock-inproc</c>: <see cref="LockService.Acquire"/> + <see cref="LockService.Release"/> pairs on one open
/// project, uncontended (target: median pair ≤ 1 ms).</item>
/// <item><c>lock-cli</c>: one <c>fastband lock acquire</c> process plus one <c>fastband lock release</c> process, side by
/// side with util-linux <c>flock</c> taking and dropping an OS lock.</item>
/// <item><c>lock-contend</c>: N worker processes (this executable in <c>lockworker</c> mode) loop acquire (waiting) →
/// tiny critical section → release on one resource for a fixed time; grants/s, fairness, and mutual exclusion checked
/// from enter/exit marks the workers append inside the critical section.</item>
/// </list>
/// </summary>
public static class LockBench
{
    private const double TargetPairMs = 1.0;
    private const string SharedResource = "shared/resource.txt";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // ================================================================ in-process

    private sealed record PairTimes(string Label, Samples Pair, Samples Acquire, Samples Release, long AllocatedPerPair);

    public static void InProcess(BenchContext context, Report report)
    {
        int pairs = context.Options.Int("lock-pairs", 2000);
        int others = context.Options.Int("lock-others", 100);
        string dir = context.NewDirectory("lock-inproc");
        context.Log($"lock-inproc: {Fmt.N(pairs)} acquire+release pairs per variant; load average {BenchContext.LoadAverage()}");

        var results = new List<PairTimes>();
        using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench" }))
        {
            // Warm-up: JIT, SQLite statements, the store's first writes.
            TimePairs(project, "warm-up", 300, i => "warm/up.txt", tied: false, report);

            results.Add(TimePairs(project, "same path (`src/bench.txt`) every time", pairs, _ => "src/bench.txt", tied: false, report));
            results.Add(TimePairs(project, "a new path each time (`src/f<i>.txt`)", pairs, i => Inv($"src/f{i}.txt"), tied: false, report));
            results.Add(TimePairs(project, "same path, tied to the calling process (as `Enter-FastbandLock` does)", pairs, _ => "src/bench.txt", tied: true, report));

            // A busier board: other agents hold locks elsewhere, so every acquire reads and checks them.
            using (var other = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench-other" }))
            {
                for (int i = 0; i < others; i++)
                {
                    var r = other.Locks.Acquire(new LockRequest { Resources = new[] { Inv($"other/o{i}.txt") }, Ttl = TimeSpan.FromHours(1) });
                    if (!r.Granted) report.Fail($"lock-inproc: could not set up the other agent's lock {i}: {r.Message}");
                }
            }
            results.Add(TimePairs(project, $"same path, with {others} other agents' leases held elsewhere", pairs, _ => "src/bench.txt", tied: false, report));
            int held = project.Locks.List().Leases.Count;
            if (held != others) report.Fail($"lock-inproc: expected {others} leases left (the other agent's), found {held}");
        }
        context.Discard(dir);

        var headline = results[0];
        foreach (var r in results)
            context.Log($"lock-inproc: {r.Label}: pair median {Fmt.Ms(r.Pair.Median)}, p95 {Fmt.Ms(r.Pair.P95)}, p99 {Fmt.Ms(r.Pair.P99)}");
        report.Row(new SummaryRow("lock acquire + release in process, uncontended, same path: median / p95 / p99 per pair",
            $"{Fmt.Ms(headline.Pair.Median)} / {Fmt.Ms(headline.Pair.P95)} / {Fmt.Ms(headline.Pair.P99)}", "", "", "median ≤ 1 ms", headline.Pair.Median <= TargetPairMs));
        var busy = results[^1];
        report.Row(new SummaryRow($"the same with {others} other leases held: median / p95 / p99 per pair",
            $"{Fmt.Ms(busy.Pair.Median)} / {Fmt.Ms(busy.Pair.P95)} / {Fmt.Ms(busy.Pair.P99)}", "", "", "median ≤ 1 ms", busy.Pair.Median <= TargetPairMs));

        var body = new StringBuilder();
        body.AppendLine(Inv($"""
            One `FastbandProject.Open(...)` (agent `bench`), then {Fmt.N(pairs)} timed pairs per variant, one after the
            other on one thread: `project.Locks.Acquire(new LockRequest {"{"} Resources = [path] {"}"})` (exclusive, default
            TTL 1 h, try once) then `project.Locks.Release(leaseId)`, each timed with `Stopwatch`. Every acquire must be
            granted as a new lease (not "already held"), every release must release it. Each call is its own write
            transaction (`BEGIN IMMEDIATE`, `synchronous=FULL`), with a lock-history row; 300 untimed pairs warm up first.
            Nearest-rank percentiles.

            | variant | pairs | pair median | pair p95 | pair p99 | pair max | acquire median / p95 / p99 | release median / p95 / p99 | allocated per pair |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
            """));
        foreach (var r in results)
            body.AppendLine($"| {r.Label} | {Fmt.N(r.Pair.Count)} | {Fmt.Ms(r.Pair.Median)} | {Fmt.Ms(r.Pair.P95)} | {Fmt.Ms(r.Pair.P99)} | {Fmt.Ms(r.Pair.Max)} | {Fmt.Ms(r.Acquire.Median)} / {Fmt.Ms(r.Acquire.P95)} / {Fmt.Ms(r.Acquire.P99)} | {Fmt.Ms(r.Release.Median)} / {Fmt.Ms(r.Release.P95)} / {Fmt.Ms(r.Release.P99)} | {Fmt.Bytes(r.AllocatedPerPair)} |");
        body.AppendLine().AppendLine(Inv($"Target: median pair ≤ {TargetPairMs:0} ms. Met for the same-path variant: {(headline.Pair.Median <= TargetPairMs ? "yes" : "**no**")}."));
        report.Section("Lock acquire + release in process, uncontended", body.ToString());
    }

    private static PairTimes TimePairs(FastbandProject project, string label, int count, Func<int, string> path, bool tied, Report report)
    {
        var pair = new double[count];
        var acquire = new double[count];
        var release = new double[count];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; i++)
        {
            var request = new LockRequest { Resources = new[] { path(i) }, TieToCaller = tied };
            long t0 = Stopwatch.GetTimestamp();
            var result = project.Locks.Acquire(request);
            long t1 = Stopwatch.GetTimestamp();
            if (!result.Granted || result.AlreadyHeld)
            {
                report.Fail($"lock-inproc ({label}): pair {i} was not granted as a new lease: {result.Message}");
                return new PairTimes(label, new Samples(new[] { 0.0 }), new Samples(new[] { 0.0 }), new Samples(new[] { 0.0 }), 0);
            }
            var released = project.Locks.Release(result.Lease!.LeaseId);
            long t2 = Stopwatch.GetTimestamp();
            if (!released.Released)
            {
                report.Fail($"lock-inproc ({label}): pair {i}: the release released nothing: {released.Message}");
                return new PairTimes(label, new Samples(new[] { 0.0 }), new Samples(new[] { 0.0 }), new Samples(new[] { 0.0 }), 0);
            }
            acquire[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            release[i] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            pair[i] = Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds;
        }
        long allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / Math.Max(1, count);
        return new PairTimes(label, new Samples(pair), new Samples(acquire), new Samples(release), allocated);
    }

    // ================================================================ CLI processes against flock

    public static void CliVsFlock(BenchContext context, Report report)
    {
        int runs = context.Options.Int("lock-runs", 30);
        if (context.PublishedCli(report, "lock-cli") is not { } cli) return;
        string flock = context.Options.Get("flock") ?? "flock";
        string project = context.NewDirectory("lock-cli-project");
        string lockFile = Path.Combine(context.NewDirectory("lock-cli-flock"), "bench.lock");
        string flockVersion = Capture(flock, "--version").Trim();
        string bashLine = $"exec 9>'{lockFile}'; flock -x 9; flock -u 9";
        context.Log($"lock-cli: {cli}; {flockVersion}; {runs} rounds, interleaved; load average {BenchContext.LoadAverage()}");

        // Untimed: the first run creates the store; the first flock runs warm the page cache.
        var firstAcquire = CliAcquire(cli, project, "first", report, out string? firstLease);
        if (firstLease is not null) CliRelease(cli, project, firstLease, "first", report);
        RunTimed(flock, new[] { "-x", lockFile, "true" }, "flock warm-up", report);
        RunTimed("bash", new[] { "-c", bashLine }, "bash warm-up", report);

        var acquire = new List<double>();
        var release = new List<double>();
        var pair = new List<double>();
        var flockTrue = new List<double>();
        var flockC = new List<double>();
        var bashFd = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            // Interleaved, so that every kind sees the same background load.
            double a = CliAcquire(cli, project, Inv($"round {i}"), report, out string? lease);
            if (lease is null) return;
            double rel = CliRelease(cli, project, lease, Inv($"round {i}"), report);
            acquire.Add(a);
            release.Add(rel);
            pair.Add(a + rel);
            flockTrue.Add(RunTimed(flock, new[] { "-x", lockFile, "true" }, Inv($"flock true {i}"), report));
            flockC.Add(RunTimed(flock, new[] { "-x", lockFile, "-c", "true" }, Inv($"flock -c true {i}"), report));
            bashFd.Add(RunTimed("bash", new[] { "-c", bashLine }, Inv($"bash fd {i}"), report));
        }

        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = "bench-verify" }))
        {
            int left = p.Locks.List().Leases.Count;
            if (left != 0) report.Fail($"lock-cli: {left} leases left after the runs; every acquire was released");
            int acquired = p.Locks.History(new[] { "acquired" }, 10_000).Count;
            int released = p.Locks.History(new[] { "released" }, 10_000).Count;
            if (acquired != runs + 1 || released != runs + 1)
                report.Fail($"lock-cli: the history shows {acquired} grants and {released} releases, expected {runs + 1} each");
        }
        context.Discard(project);

        var sAcq = new Samples(acquire);
        var sRel = new Samples(release);
        var sPair = new Samples(pair);
        var sFlock = new Samples(flockTrue);
        var sFlockC = new Samples(flockC);
        var sBash = new Samples(bashFd);
        context.Log($"lock-cli: fastband acquire+release median {Fmt.Ms(sPair.Median)}; flock true median {Fmt.Ms(sFlock.Median)}; ratio {Fmt.Ratio(sPair.Median / sFlock.Median)}");

        report.Row(new SummaryRow("`fastband lock acquire` + `lock release` (2 processes) vs `flock -x F true` (1 process): median / p95",
            $"{Fmt.Ms(sPair.Median)} / {Fmt.Ms(sPair.P95)}", $"flock: {Fmt.Ms(sFlock.Median)} / {Fmt.Ms(sFlock.P95)}",
            Fmt.Ratio(sPair.Median / sFlock.Median) + " slower", "(not a target: different guarantees)", null));

        string Row(string how, string processes, Samples s) =>
            $"| {how} | {processes} | {s.Count} | {Fmt.Ms(s.Median)} | {Fmt.Ms(s.P95)} | {Fmt.Ms(s.Min)} | {Fmt.Ms(s.Max)} | {Fmt.Ratio(s.Median / sFlock.Median)} |";
        report.Section("One lock acquire + release from the shell: `fastband` against `flock`", Inv($"""
            Each round, one after the other, each process timed by the bench from `Process.Start` to exit (fork/exec and
            runtime start-up included): `{cli} --project <temp> --agent cli-bench lock acquire src/x.txt --json` (must exit
            0; the lease id is parsed from the JSON), then `... lock release --lease <id> --json` (must exit 0 and report
            `released: true`); then `{flock} -x <lockfile> true`, `{flock} -x <lockfile> -c true`, and
            `bash -c "exec 9><lockfile>; flock -x 9; flock -u 9"`. {runs} rounds after one untimed round (the first acquire
            created the store: {Fmt.Ms(firstAcquire)}). {flockVersion}. Afterwards no lease may be left and the lock
            history must show {runs + 1} grants and {runs + 1} releases.

            | how | processes | runs | median | p95 | min | max | median vs `flock -x F true` |
            | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
            {Row("`fastband lock acquire` + `fastband lock release`", "2 (.NET)", sPair)}
            {Row("`fastband lock acquire` alone", "1 (.NET)", sAcq)}
            {Row("`fastband lock release --lease` alone", "1 (.NET)", sRel)}
            {Row("`flock -x F true`", "2 (flock, which forks `true`)", sFlock)}
            {Row("`flock -x F -c true`", "2 (flock, `sh -c true`)", sFlockC)}
            {Row("`bash -c 'exec 9>F; flock -x 9; flock -u 9'`", "3 (bash, 2 × flock)", sBash)}
            """));
    }

    private static double CliAcquire(string cli, string project, string label, Report report, out string? leaseId)
    {
        leaseId = null;
        var (ms, exit, stdout, stderr) = Exec(cli, new[] { "--project", project, "--agent", "cli-bench", "lock", "acquire", "src/x.txt", "--json" });
        if (exit != 0)
        {
            report.Fail($"lock-cli: acquire '{label}' exited {exit}: {stderr.Trim()} {stdout.Trim()}");
            return ms;
        }
        try
        {
            using var doc = JsonDocument.Parse(stdout);
            leaseId = doc.RootElement.GetProperty("lease").GetProperty("leaseId").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            report.Fail($"lock-cli: acquire '{label}': no lease id in its JSON ({e.Message}): {stdout.Trim()}");
        }
        return ms;
    }

    private static double CliRelease(string cli, string project, string leaseId, string label, Report report)
    {
        var (ms, exit, stdout, stderr) = Exec(cli, new[] { "--project", project, "--agent", "cli-bench", "lock", "release", "--lease", leaseId, "--json" });
        bool released = false;
        try
        {
            using var doc = JsonDocument.Parse(stdout);
            released = doc.RootElement.TryGetProperty("released", out var r) && r.ValueKind == JsonValueKind.True;
        }
        catch (JsonException) { }
        if (exit != 0 || !released)
            report.Fail($"lock-cli: release '{label}' exited {exit}, released {released}: {stderr.Trim()} {stdout.Trim()}");
        return ms;
    }

    private static double RunTimed(string exe, string[] args, string label, Report report)
    {
        var (ms, exit, stdout, stderr) = Exec(exe, args);
        if (exit != 0) report.Fail($"lock-cli: '{label}' ({exe}) exited {exit}: {stderr.Trim()} {stdout.Trim()}");
        return ms;
    }

    private static (double Ms, int Exit, string Stdout, string Stderr) Exec(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        long t0 = Stopwatch.GetTimestamp();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return (ms, p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Capture(string exe, string arg)
    {
        try { return Exec(exe, new[] { arg }).Stdout; }
        catch (System.ComponentModel.Win32Exception e) { return $"({exe}: {e.Message})"; }
    }

    // ================================================================ contention between processes

    private sealed record LockWorkerResult(
        int Worker, long StartTicks, long EndTicks, int Grants, int Refused, int Errors, string? FirstError,
        double AcquireMedianMs, double AcquireP95Ms, double AcquireMaxMs);

    public static void Contention(BenchContext context, Report report)
    {
        int workers = context.Options.Int("lock-workers", 8);
        double seconds = context.Options.Double("lock-seconds", 10);
        int[] sweep = context.Options.Ints("lock-sweep", new[] { 1, 2, 4 }).Where(n => n > 0 && n != workers).ToArray();
        double sweepSeconds = context.Options.Double("lock-sweep-seconds", 5);
        var rows = new List<string>();
        foreach (int n in sweep) ContendOnce(context, report, n, sweepSeconds, main: false, rows);
        string body = ContendOnce(context, report, workers, seconds, main: true, rows);
        if (sweep.Length > 0)
        {
            body = body.TrimEnd() + "\n\n" + Inv($"""
                The same with other numbers of processes ({string.Join(", ", sweep)}: {sweepSeconds:0.#} s each, run first; the same checks):

                | processes | seconds | grants | grants/s | per-process grants | max / min | CV | acquire call: median of the workers' medians | overlapping sections | tokens increasing |
                | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |
                {string.Join("\n", rows)}
                """);
        }
        report.Section($"{workers} processes contending for one lock", body);
    }

    private static string ContendOnce(BenchContext context, Report report, int workers, double seconds, bool main, List<string> rows)
    {
        string shared = context.NewDirectory("lock-contend");
        string marks = Path.Combine(shared, "marks.txt");
        using (FastbandProject.Open(new ProjectOptions { ProjectPath = shared, Agent = "bench-setup" })) { }

        context.Log(Inv($"lock-contend: starting {workers} lockworker processes, {seconds:0.#} s each on one resource; load average {BenchContext.LoadAverage()}"));
        var processes = new List<(Process Process, Task<string> Stderr)>();
        var results = new List<LockWorkerResult>();
        try
        {
            for (int k = 0; k < workers; k++)
            {
                var psi = MultiProcessBench.SelfStartInfo();
                foreach (string a in new[]
                         {
                             "lockworker", "--project", shared, "--worker", k.ToString(CultureInfo.InvariantCulture),
                             "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--marks", marks,
                             "--scratch", context.NewDirectory(Inv($"lock-scratch-{k}")),
                         })
                    psi.ArgumentList.Add(a);
                psi.RedirectStandardInput = true;
                psi.RedirectStandardOutput = true;
                psi.RedirectStandardError = true;
                psi.UseShellExecute = false;
                var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start a lock worker");
                processes.Add((p, p.StandardError.ReadToEndAsync()));
            }
            foreach (var (p, stderr) in processes)
            {
                string? line = ReadLine(p, TimeSpan.FromSeconds(120));
                if (line != "ready") throw new InvalidOperationException($"a lock worker did not get ready (said '{line}'): {stderr.Result}");
            }
            context.Log($"lock-contend: all {workers} ready; go");
            foreach (var (p, _) in processes) p.StandardInput.WriteLine("go");
            foreach (var (p, _) in processes) p.StandardInput.Flush();
            foreach (var (p, stderr) in processes)
            {
                string? line = ReadLine(p, TimeSpan.FromSeconds(seconds + 180));
                if (!p.WaitForExit(TimeSpan.FromMinutes(1)) || p.ExitCode != 0 || line is null)
                    throw new InvalidOperationException($"a lock worker failed (exit {(p.HasExited ? p.ExitCode : -1)}): {stderr.Result}");
                results.Add(JsonSerializer.Deserialize<LockWorkerResult>(line)!);
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

        // Mutual exclusion: the marks alternate "enter K token" / "exit K token" with the same K and token, and the
        // tokens (the fencing tokens of the grants) go up from one critical section to the next.
        var lines = File.ReadAllLines(marks);
        var violations = new List<string>();
        long lastToken = long.MinValue;
        bool tokensIncrease = true;
        for (int i = 0; i < lines.Length; i += 2)
        {
            string enter = lines[i];
            string? exit = i + 1 < lines.Length ? lines[i + 1] : null;
            if (!enter.StartsWith("enter ", StringComparison.Ordinal) || exit != "exit " + enter[6..])
            {
                if (violations.Count < 5) violations.Add(Inv($"line {i + 1}: '{enter}' then '{exit}'"));
                else { violations.Add("..."); break; }
                continue;
            }
            long token = long.Parse(enter.Split(' ')[2], CultureInfo.InvariantCulture);
            if (token <= lastToken) tokensIncrease = false;
            lastToken = token;
        }
        int sections = lines.Length / 2;

        int grantsInHistory;
        int leftHeld;
        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = shared, Agent = "bench-verify" }))
        {
            grantsInHistory = p.Locks.History(new[] { "acquired" }, 1_000_000).Count;
            leftHeld = p.Locks.List().Leases.Count;
        }
        context.Discard(shared);

        results.Sort((a, b) => a.Worker.CompareTo(b.Worker));
        int totalGrants = results.Sum(r => r.Grants);
        int refused = results.Sum(r => r.Refused);
        int errors = results.Sum(r => r.Errors);
        long firstStart = results.Min(r => r.StartTicks), maxStart = results.Max(r => r.StartTicks);
        long minEnd = results.Min(r => r.EndTicks), lastEnd = results.Max(r => r.EndTicks);
        bool overlapped = maxStart < minEnd;
        double windowMs = (lastEnd - firstStart) / (double)TimeSpan.TicksPerMillisecond;
        double rate = totalGrants / (windowMs / 1000.0);
        double mean = results.Average(r => (double)r.Grants);
        double sd = Math.Sqrt(results.Average(r => (r.Grants - mean) * (r.Grants - mean)));
        double cv = mean > 0 ? sd / mean : double.NaN;
        int maxGrants = results.Max(r => r.Grants), minGrants = results.Min(r => r.Grants);
        string maxOverMin = minGrants > 0 ? Fmt.Ratio((double)maxGrants / minGrants) : "∞";
        bool exclusive = violations.Count == 0 && sections == totalGrants && lines.Length % 2 == 0;

        if (!exclusive) report.Fail($"lock-contend ({workers} processes): mutual exclusion violated or marks incomplete ({sections} sections for {totalGrants} grants): {string.Join("; ", violations)}");
        if (!tokensIncrease) report.Fail("lock-contend: fencing tokens did not increase from one critical section to the next");
        if (!overlapped) report.Fail("lock-contend: the workers' windows did not overlap: the run proves nothing about contention");
        if (errors > 0 || refused > 0) report.Fail($"lock-contend ({workers} processes): {refused} acquires refused after waiting, {errors} errors: {results.Select(r => r.FirstError).FirstOrDefault(e => e is not null)}");
        if (grantsInHistory != totalGrants) report.Fail($"lock-contend ({workers} processes): the lock history shows {grantsInHistory} grants, the workers counted {totalGrants}");
        if (leftHeld != 0) report.Fail($"lock-contend ({workers} processes): {leftHeld} leases left held after the run");
        context.Log(Inv($"lock-contend ({workers}): {Fmt.N(totalGrants)} grants in {Fmt.Ms(windowMs)} = {Fmt.Rate(rate)}; per worker {string.Join(", ", results.Select(r => r.Grants))}; max/min {maxOverMin}, CV {cv:0.000}; exclusive {exclusive}, overlapped {overlapped}"));
        double medianOfMedians = new Samples(results.Select(r => r.AcquireMedianMs)).Median;
        rows.Add(Inv($"| {workers} | {seconds:0.#} | {Fmt.N(totalGrants)} | {Fmt.Rate(rate)} | {string.Join(", ", results.Select(r => r.Grants))} | {maxOverMin} | {cv:0.000} | {Fmt.Ms(medianOfMedians)} | {violations.Count} | {(tokensIncrease ? "yes" : "**no**")} |"));
        if (!main) return "";

        report.Row(new SummaryRow($"{workers} processes contending for one lock: grants/s; per-process max/min, CV",
            Inv($"{Fmt.Rate(rate)}; {maxOverMin}, CV {cv:0.00}"), "", "", "", null));
        report.Row(new SummaryRow($"{workers} processes: mutual exclusion held, tokens increasing, windows overlapped",
            Inv($"{Fmt.N(sections)} critical sections, {violations.Count} overlaps; {(tokensIncrease ? "tokens increasing" : "tokens NOT increasing")}; {(overlapped ? "overlapped" : "NOT overlapped")}"),
            "", "", "no overlap (workers overlapping)", exclusive && tokensIncrease && overlapped));

        var body = new StringBuilder();
        body.AppendLine(Inv($"""
            {workers} copies of the bench executable (`Fastband.Bench lockworker ...`), each with its own agent name
            (`lockworker-K`). Each warms up in a private scratch project (20 acquire/release pairs alone, then twice 200 rounds of
            two agents of its own contending, each followed by 1 s for the runtime's tiered compiler), opens the shared project,
            reports ready and waits for "go" on stdin, which the parent sends to all at once. Then, for {seconds:0.#} s of
            its own clock, it loops: `Acquire(new LockRequest {"{"} Resources = ["{SharedResource}"], Wait = 60 s, Ttl = 5 min {"}"})`
            (exclusive; the service queues waiters first come, first served; on Linux a waiter sleeps until a release rings it, elsewhere it polls every 2 ms when first in line and every 25 ms behind), then the critical
            section (append `enter K token`, then `exit K token`, to a marks file: each mark opens the file, seeks to its end
            and writes, so an intruder would overwrite or split a pair), then `Release`.
            Window = first start to last end across workers; grants/s = all grants / window. Afterwards the parent checks
            that the marks alternate enter/exit of the same worker and grant with no interleaving, that there is one
            critical section per grant, that the fencing tokens increase from section to section, that the lock history
            shows the same number of grants, that no lease is left, and that max(start) < min(end).

            | total grants | window | grants/s | per-process grants (worker 0..{workers - 1}) | max / min | coefficient of variation | acquire call (wait included), all workers: median of medians / max p95 / max |
            | ---: | ---: | ---: | --- | ---: | ---: | ---: |
            | {Fmt.N(totalGrants)} | {Fmt.Ms(windowMs)} | {Fmt.Rate(rate)} | {string.Join(", ", results.Select(r => r.Grants))} | {maxOverMin} ({maxGrants} / {minGrants}) | {cv:0.000} | {Fmt.Ms(medianOfMedians)} / {Fmt.Ms(results.Max(r => r.AcquireP95Ms))} / {Fmt.Ms(results.Max(r => r.AcquireMaxMs))} |

            | check | result |
            | --- | --- |
            | critical sections in the marks file / grants counted by the workers / grants in the lock history | {Fmt.N(sections)} / {Fmt.N(totalGrants)} / {Fmt.N(grantsInHistory)} |
            | overlapping critical sections | {(violations.Count == 0 ? "none" : "**" + string.Join("; ", violations) + "**")} |
            | fencing tokens increase from one section to the next | {(tokensIncrease ? "yes" : "**no**")} |
            | acquires refused after waiting 60 s / errors | {refused} / {errors} |
            | leases left after the run | {leftHeld} |
            | max(start) < min(end) | {(overlapped ? "yes" : "**no**")} ({(maxStart - firstStart) / (double)TimeSpan.TicksPerMillisecond:0} ms < {(minEnd - firstStart) / (double)TimeSpan.TicksPerMillisecond:0} ms) |
            """));
        return body.ToString();
    }

    private static string? ReadLine(Process p, TimeSpan timeout)
    {
        var read = p.StandardOutput.ReadLineAsync();
        return read.Wait(timeout) ? read.Result : throw new TimeoutException("a lock worker did not answer in time");
    }

    /// <summary><c>lockworker --project DIR --worker K --seconds S --marks FILE --scratch DIR</c>.</summary>
    public static int Worker(Options options)
    {
        string project = options.Get("project") ?? throw new ArgumentException("--project is required");
        string scratch = options.Get("scratch") ?? throw new ArgumentException("--scratch is required");
        string marks = options.Get("marks") ?? throw new ArgumentException("--marks is required");
        int worker = options.Int("worker", 0);
        double seconds = options.Double("seconds", 10);
        string agent = Inv($"lockworker-{worker}");

        // Warm up (JIT, native SQLite load) in a private project so the shared window measures locking only: first
        // alone, then two agents of this process contending, so that the waiting path is compiled too, and then a
        // pause for the runtime's background compiler to finish the hot methods. Without the contended part, the
        // workers spent most of the window in tiered compilation of the waiting code (8 processes at once).
        using (var warm = FastbandProject.Open(new ProjectOptions { ProjectPath = scratch, Agent = agent }))
        {
            for (int i = 0; i < 20; i++)
            {
                var r = warm.Locks.Acquire(new LockRequest { Resources = new[] { SharedResource } });
                if (r.Lease is { } l) warm.Locks.Release(l.LeaseId);
            }
        }
        // Twice: the runtime starts counting calls for its optimizing tier only once no new method has been compiled
        // for a while (the pause), and compiles the hot ones in the background after the second round (the last pause).
        int warmRounds = options.Int("warm-rounds", 200);
        for (int round = 0; round < 2; round++)
        {
            var contenders = Enumerable.Range(0, 2).Select(k => Task.Run(() =>
            {
                using var warm = FastbandProject.Open(new ProjectOptions { ProjectPath = scratch, Agent = Inv($"{agent}-warm{k}") });
                var ask = new LockRequest { Resources = new[] { SharedResource }, Wait = TimeSpan.FromSeconds(60), Ttl = TimeSpan.FromMinutes(5) };
                for (int i = 0; i < warmRounds; i++)
                {
                    var r = warm.Locks.Acquire(ask);
                    if (r.Lease is { } l) warm.Locks.Release(l.LeaseId);
                }
            })).ToArray();
            Task.WaitAll(contenders);
            Thread.Sleep(TimeSpan.FromSeconds(options.Double("warm-settle", 1)));
        }

        using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = agent });
        p.Locks.List();
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        if (Console.In.ReadLine() != "go") return 3;

        var request = new LockRequest { Resources = new[] { SharedResource }, Wait = TimeSpan.FromSeconds(60), Ttl = TimeSpan.FromMinutes(5) };
        var acquireMs = new List<double>();
        int grants = 0, refused = 0, errors = 0;
        string? firstError = null;
        long start = DateTime.UtcNow.Ticks;
        var clock = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(seconds);
        while (clock.Elapsed < budget)
        {
            try
            {
                long t0 = Stopwatch.GetTimestamp();
                var result = p.Locks.Acquire(request);
                acquireMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                if (!result.Granted)
                {
                    refused++;
                    firstError ??= result.Message;
                    continue;
                }
                var lease = result.Lease!;
                grants++;
                // The critical section: two separate appends (each opens the file, seeks to its end and writes, as the
                // race test's worker does), so an intruder would land between them or overwrite one.
                Mark(marks, Inv($"enter {worker} {lease.FencingToken}\n"));
                Mark(marks, Inv($"exit {worker} {lease.FencingToken}\n"));
                p.Locks.Release(lease.LeaseId);
            }
            catch (Exception e)
            {
                errors++;
                firstError ??= $"{e.GetType().Name}: {e.Message}";
                if (errors > 100) break;
            }
        }
        long end = DateTime.UtcNow.Ticks;
        var s = acquireMs.Count > 0 ? new Samples(acquireMs) : new Samples(new[] { 0.0 });
        Console.Out.WriteLine(JsonSerializer.Serialize(new LockWorkerResult(worker, start, end, grants, refused, errors, firstError, s.Median, s.P95, s.Max)));
        Console.Out.Flush();
        return 0;
    }

    private static void Mark(string path, string line)
    {
        using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        f.Write(Encoding.ASCII.GetBytes(line));
    }
}
