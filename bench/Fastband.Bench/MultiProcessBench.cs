using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.Bench;

/// <summary>
/// N processes (copies of this executable in worker mode) append into one shared project at once. Each worker
/// opens the project, warms up in a private scratch project, reports ready, waits for "go" on stdin, appends its
/// entries ("worker K seq I") and prints when it started and ended. The parent then checks that every worker's
/// sequence is complete, nothing is duplicated, ids are unique, and that the workers' windows overlapped
/// (max(start) &lt; min(end)), so the run proves something about concurrency.
/// </summary>
public static partial class MultiProcessBench
{
    private const string Ours = "ours";
    private const string Baseline = "baseline";
    private const string BaselineNoLock = "baseline-nolock";

    [GeneratedRegex(@"^worker (\d+) seq (\d+)$")]
    private static partial Regex WorkerMessage();

    public static void Run(BenchContext context, Report report)
    {
        int workers = context.Options.Int("workers", 8);
        int oursCount = context.Options.Int("ours-count", 500);
        int baselineCount = context.Options.Int("baseline-count", 500);
        bool control = !context.Options.Flag("no-control");
        context.Log($"multiproc: load average {BenchContext.LoadAverage()}");

        var ours = RunKind(context, Ours, workers, oursCount);
        var baseline = RunKind(context, Baseline, workers, baselineCount);
        Outcome? noLock = control ? RunKind(context, BaselineNoLock, workers, Math.Min(baselineCount, 200)) : null;

        foreach (var o in new[] { ours, baseline })
        {
            if (o.Lost > 0 || o.Duplicates > 0 || o.Errors > 0 || !o.IdsUnique || o.IncompleteWorkers > 0 || o.Corrupt is not null)
                report.Fail($"multiproc ({o.Kind}): {o.Found} of {o.Expected} found, {o.Lost} lost, {o.Duplicates} duplicated, {o.Errors} write errors, ids unique: {o.IdsUnique}");
            if (!o.Overlapped)
                report.Fail($"multiproc ({o.Kind}): the workers' windows did not overlap (max start {o.MaxStartMs:0.0} ms, min end {o.MinEndMs:0.0} ms after the first start): the run proves nothing about concurrency");
        }
        if (noLock is not null && noLock.Lost == 0 && noLock.Errors == 0 && noLock.Duplicates == 0 && noLock.Corrupt is null)
            context.Log("multiproc: the negative control (baseline without its lock) lost nothing this time; the check was not shown to fail");

        report.Row(new SummaryRow($"{workers} processes appending at once: aggregate appends/s",
            Fmt.Rate(ours.Rate), Fmt.Rate(baseline.Rate), Fmt.Ratio(ours.Rate / baseline.Rate), "", null));
        report.Row(new SummaryRow($"{workers} processes: entries found / expected, lost, duplicated; windows overlapped",
            Verdict(ours), Verdict(baseline), "", "nothing lost (workers overlapping)",
            ours.Lost == 0 && ours.Duplicates == 0 && ours.Errors == 0 && ours.IdsUnique && ours.Overlapped));
        if (noLock is not null)
            report.Row(new SummaryRow($"negative control: baseline without its lock, {workers} processes",
                "", Verdict(noLock), "", "must lose entries (shows the check can fail)", noLock.Lost > 0 || noLock.Errors > 0 || noLock.Duplicates > 0 || noLock.Corrupt is not null));

        var body = new StringBuilder();
        body.AppendLine($"""
            {workers} copies of the bench executable (`Fastband.Bench worker ...`) append into one shared project. Each
            warms up in a private scratch project, opens the shared one (ours: `FastbandProject.Open` with its own agent
            name; baseline: `new JsonOpsLogBaseline(dir)`), reports ready and waits for "go" on stdin, which the parent
            sends to all at once. Window = first start to last end across workers; aggregate rate = successful appends /
            window. Ours: {Fmt.N(oursCount)} appends per process; baseline: {Fmt.N(baselineCount)} per process{(noLock is null ? "" : $"; negative control (the baseline with its flock removed): {Fmt.N(noLock.PerWorker)} per process")}.

            | run | expected | found | lost | duplicated | write errors | ids unique | every sequence complete | max(start) < min(end) | window | aggregate appends/s | per-process time min / max |
            | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: |
            """);
        foreach (var o in new[] { ours, baseline, noLock }.OfType<Outcome>())
        {
            body.AppendLine($"| {o.Kind} | {Fmt.N(o.Expected)} | {Fmt.N(o.Found)} | {Fmt.N(o.Lost)} | {Fmt.N(o.Duplicates)} | {Fmt.N(o.Errors)} | {YesNo(o.IdsUnique)} | {YesNo(o.IncompleteWorkers == 0)} | {YesNo(o.Overlapped)} ({o.MaxStartMs:0} ms < {o.MinEndMs:0} ms) | {Fmt.Ms(o.WindowMs)} | {Fmt.Rate(o.Rate)} | {Fmt.Ms(o.WorkerMs.Min)} / {Fmt.Ms(o.WorkerMs.Max)} |");
        }
        if (ours.TimestampsMonotonic is { } mono)
            body.AppendLine().AppendLine($"Ours: timestamps {(mono ? "never go backwards" : "**go backwards**")} as ids go up across the {workers} writers.");
        if (noLock?.Corrupt is { } corrupt)
            body.AppendLine().AppendLine($"Negative control: {corrupt}.");
        if (noLock?.FirstError is { } err)
            body.AppendLine().AppendLine($"Negative control, first write error: `{err}`");
        report.Section($"{workers} processes appending at once", body.ToString());
    }

    private static string YesNo(bool b) => b ? "yes" : "**no**";

    internal static string Verdict(Outcome o) =>
        $"{(o.Corrupt is null ? "" : "file corrupt: ")}{Fmt.N(o.Found)} / {Fmt.N(o.Expected)}, {Fmt.N(o.Lost)} lost, {Fmt.N(o.Duplicates)} dup{(o.Errors > 0 ? $", {Fmt.N(o.Errors)} errors" : "")}; {(o.Overlapped ? "overlapped" : "NOT overlapped")}";

    private sealed record WorkerResult(int Worker, long StartTicks, long EndTicks, int Written, int Errors, string? FirstError);

    internal sealed record Outcome(
        string Kind, int PerWorker, int Expected, int Found, int Lost, int Duplicates, int Errors, bool IdsUnique,
        int IncompleteWorkers, bool Overlapped, double MaxStartMs, double MinEndMs, double WindowMs, double Rate,
        Samples WorkerMs, bool? TimestampsMonotonic, string? FirstError, string? Corrupt);

    // ---------------------------------------------------------------- parent

    /// <param name="prepare">Called on the shared project and every worker's scratch project before anything opens them (e.g. to point them at PostgreSQL).</param>
    internal static Outcome RunKind(BenchContext context, string kind, int workers, int perWorker, Action<string>? prepare = null)
    {
        string shared = context.NewDirectory($"multiproc-{kind}");
        prepare?.Invoke(shared);
        if (IsOurs(kind))
        {
            using (FastbandProject.Open(new ProjectOptions { ProjectPath = shared, Agent = "bench-setup" })) { }
        }
        else
        {
            _ = new JsonOpsLogBaseline(shared);
        }

        context.Log($"multiproc: {kind}: starting {workers} worker processes, {Fmt.N(perWorker)} appends each");
        var processes = new List<(Process Process, Task<string> Stderr)>();
        try
        {
            for (int k = 0; k < workers; k++)
            {
                var psi = SelfStartInfo();
                foreach (string a in new[]
                         {
                             "worker", "--kind", kind, "--project", shared, "--worker", k.ToString(System.Globalization.CultureInfo.InvariantCulture),
                             "--count", perWorker.ToString(System.Globalization.CultureInfo.InvariantCulture), "--scratch", Prepared(context.NewDirectory($"scratch-{kind}-{k}"), prepare),
                         })
                    psi.ArgumentList.Add(a);
                psi.RedirectStandardInput = true;
                psi.RedirectStandardOutput = true;
                psi.RedirectStandardError = true;
                psi.UseShellExecute = false;
                var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start a worker");
                processes.Add((p, p.StandardError.ReadToEndAsync()));
            }
            foreach (var (p, stderr) in processes)
            {
                string? line = ReadLine(p, TimeSpan.FromSeconds(120));
                if (line != "ready")
                    throw new InvalidOperationException($"a {kind} worker did not get ready (said '{line}'): {stderr.Result}");
            }
            context.Log($"multiproc: {kind}: all {workers} ready; go");
            foreach (var (p, _) in processes) p.StandardInput.WriteLine("go");
            foreach (var (p, _) in processes) p.StandardInput.Flush();

            var results = new List<WorkerResult>();
            foreach (var (p, stderr) in processes)
            {
                string? line = ReadLine(p, TimeSpan.FromMinutes(10));
                if (!p.WaitForExit(TimeSpan.FromMinutes(1)) || p.ExitCode != 0 || line is null)
                    throw new InvalidOperationException($"a {kind} worker failed (exit {(p.HasExited ? p.ExitCode : -1)}): {stderr.Result}");
                results.Add(JsonSerializer.Deserialize<WorkerResult>(line)!);
            }
            var outcome = Verify(kind, shared, workers, perWorker, results);
            context.Log($"multiproc: {kind}: {Verdict(outcome)}; window {Fmt.Ms(outcome.WindowMs)}, {Fmt.Rate(outcome.Rate)}");
            return outcome;
        }
        finally
        {
            foreach (var (p, _) in processes)
            {
                if (!p.HasExited) p.Kill();
                p.Dispose();
            }
            context.Discard(shared);
        }
    }

    private static string Prepared(string directory, Action<string>? prepare)
    {
        prepare?.Invoke(directory);
        return directory;
    }

    /// <summary>Our store, whichever backend the project is configured for ("ours", "ours-pg").</summary>
    private static bool IsOurs(string kind) => kind.StartsWith(Ours, StringComparison.Ordinal);

    private static string? ReadLine(Process p, TimeSpan timeout)
    {
        var read = p.StandardOutput.ReadLineAsync();
        return read.Wait(timeout) ? read.Result : throw new TimeoutException("a worker did not answer in time");
    }

    /// <summary>This executable again: the apphost when there is one, else <c>dotnet Fastband.Bench.dll</c>.</summary>
    internal static ProcessStartInfo SelfStartInfo()
    {
        string? path = Environment.ProcessPath;
        if (path is null || Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var psi = new ProcessStartInfo(path ?? "dotnet");
            psi.ArgumentList.Add(typeof(MultiProcessBench).Assembly.Location);
            return psi;
        }
        return new ProcessStartInfo(path);
    }

    private static Outcome Verify(string kind, string shared, int workers, int perWorker, List<WorkerResult> results)
    {
        var messages = new List<string>();
        var ids = new List<string>();
        bool? monotonic = null;
        string? corrupt = null;
        if (IsOurs(kind))
        {
            using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = shared, Agent = "bench-verify" });
            var entries = project.OpsLog.Read(new OpsLogQuery { Limit = 0 });
            messages.AddRange(entries.Select(e => e.Message));
            ids.AddRange(entries.Select(e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var ascending = entries.OrderBy(e => e.Id).ToList();
            monotonic = ascending.Zip(ascending.Skip(1)).All(pair => pair.First.Timestamp <= pair.Second.Timestamp);
        }
        else
        {
            try
            {
                var file = JsonOpsLogBaseline.LoadJson(Path.Combine(shared, ".fastband", "agent_ops", "current.json"));
                messages.AddRange(file.Entries.Select(e => e.Message));
                ids.AddRange(file.Entries.Select(e => e.Id));
            }
            catch (JsonException e)
            {
                // Only the negative control should get here: racing rewrites left a file that is not JSON, so every
                // entry in it is lost to the next reader.
                corrupt = $"current.json is no longer valid JSON ({e.Message.Split('.')[0]})";
            }
        }

        var seen = new Dictionary<int, HashSet<int>>();
        int duplicates = 0, foreign = 0;
        foreach (string m in messages)
        {
            var match = WorkerMessage().Match(m);
            if (!match.Success) { foreign++; continue; }
            int w = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            int s = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (!seen.TryGetValue(w, out var set)) seen[w] = set = new HashSet<int>();
            if (!set.Add(s)) duplicates++;
        }
        int expected = workers * perWorker;
        int distinct = seen.Values.Sum(s => s.Count);
        int incomplete = Enumerable.Range(0, workers).Count(w =>
            !seen.TryGetValue(w, out var set) || set.Count != perWorker || set.Any(s => s < 0 || s >= perWorker));

        long firstStart = results.Min(r => r.StartTicks);
        long maxStart = results.Max(r => r.StartTicks);
        long minEnd = results.Min(r => r.EndTicks);
        long lastEnd = results.Max(r => r.EndTicks);
        double windowMs = (lastEnd - firstStart) / (double)TimeSpan.TicksPerMillisecond;
        int written = results.Sum(r => r.Written);
        return new Outcome(
            kind, perWorker, expected, messages.Count - foreign, expected - distinct, duplicates, results.Sum(r => r.Errors),
            ids.Distinct(StringComparer.Ordinal).Count() == ids.Count, incomplete,
            maxStart < minEnd,
            (maxStart - firstStart) / (double)TimeSpan.TicksPerMillisecond,
            (minEnd - firstStart) / (double)TimeSpan.TicksPerMillisecond,
            windowMs, written / (windowMs / 1000.0),
            new Samples(results.Select(r => (r.EndTicks - r.StartTicks) / (double)TimeSpan.TicksPerMillisecond)),
            monotonic, results.Select(r => r.FirstError).FirstOrDefault(e => e is not null), corrupt);
    }

    // ---------------------------------------------------------------- worker

    /// <summary><c>worker --kind ours|baseline|baseline-nolock --project DIR --worker K --count N --scratch DIR</c>.</summary>
    public static int Worker(Options options)
    {
        string kind = options.Get("kind") ?? throw new ArgumentException("--kind is required");
        string project = options.Get("project") ?? throw new ArgumentException("--project is required");
        string scratch = options.Get("scratch") ?? throw new ArgumentException("--scratch is required");
        int worker = options.Int("worker", 0);
        int count = options.Int("count", 100);
        string agent = $"worker-{worker}";

        Action<int> write;
        IDisposable? open = null;
        if (IsOurs(kind))
        {
            // Warm up (JIT, native SQLite load) in a private project so the shared window measures appends only.
            using (var warm = FastbandProject.Open(new ProjectOptions { ProjectPath = scratch, Agent = agent }))
                for (int i = 0; i < 20; i++) warm.OpsLog.Write(OpsEventType.General, $"warm-up {i}");
            var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = agent });
            open = p;
            write = i => p.OpsLog.Write(OpsEventType.StatusUpdate, $"worker {worker} seq {i}", null,
                new Dictionary<string, object?> { ["worker"] = worker, ["seq"] = i });
        }
        else if (kind is Baseline or BaselineNoLock)
        {
            var warm = new JsonOpsLogBaseline(scratch);
            for (int i = 0; i < 20; i++) warm.Write(agent, OpsEventType.General, $"warm-up {i}");
            var log = new JsonOpsLogBaseline(project, useLock: kind == Baseline);
            write = i =>
            {
                var r = log.Write(agent, OpsEventType.StatusUpdate, $"worker {worker} seq {i}", null,
                    new Dictionary<string, JsonElement> { ["worker"] = JsonSerializer.SerializeToElement(worker), ["seq"] = JsonSerializer.SerializeToElement(i) });
                if (!r.Success) throw new InvalidOperationException(r.Error);
            };
        }
        else
        {
            Console.Error.WriteLine($"unknown worker kind '{kind}'");
            return 2;
        }

        using (open)
        {
            Console.Out.WriteLine("ready");
            Console.Out.Flush();
            if (Console.In.ReadLine() != "go") return 3;

            int written = 0, errors = 0;
            string? firstError = null;
            long start = DateTime.UtcNow.Ticks;
            for (int i = 0; i < count; i++)
            {
                try
                {
                    write(i);
                    written++;
                }
                catch (Exception e)
                {
                    // Only the negative control should get here (it reads files that another process is rewriting).
                    errors++;
                    firstError ??= $"{e.GetType().Name}: {e.Message}";
                }
            }
            long end = DateTime.UtcNow.Ticks;
            Console.Out.WriteLine(JsonSerializer.Serialize(new WorkerResult(worker, start, end, written, errors, firstError)));
            Console.Out.Flush();
        }
        return 0;
    }
}
