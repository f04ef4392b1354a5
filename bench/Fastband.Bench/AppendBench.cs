using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.Bench;

/// <summary>
/// Appends per second from one writer with 0, 10k and 100k entries already present. Ours: each append is
/// <c>project.OpsLog.Write</c>, its own durable transaction (BEGIN IMMEDIATE, insert + agent upsert, COMMIT with
/// synchronous=FULL). Baseline: <see cref="JsonOpsLogBaseline.Write"/> (lock, load all, append, rewrite all).
/// </summary>
public static class AppendBench
{
    private const double DurableTarget = 2000;
    private const double RatioTarget = 100;
    private const int BaselineMinimum = 20;

    public static void Run(BenchContext context, Report report)
    {
        int[] levels = context.Options.Ints("levels", new[] { 0, 10_000, 100_000 });
        int oursAppends = context.Options.Int("ours-appends", 2000);
        double baselineSeconds = context.Options.Double("baseline-seconds", 3);
        int baselineMax = context.Options.Int("baseline-max", 2000);

        WarmUp(context);
        context.Log($"append: load average {BenchContext.LoadAverage()}");

        var table = new StringBuilder();
        table.AppendLine("| present | ours: appends timed | ours: appends/s | ours: latency median / p99 | baseline: appends timed | baseline: appends/s | baseline: latency median / max | ratio | ours .db+wal after | baseline .json after |");
        table.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (int level in levels)
        {
            var now = DateTimeOffset.UtcNow;
            // Pre-existing entries sit in the two days before now: inside the 30-day retention, so the archive
            // check that Write runs on every 500th id finds nothing to move, as in normal use.
            var end = now - TimeSpan.FromMinutes(1);
            var span = TimeSpan.FromDays(2);

            string oursDir = context.NewDirectory($"append-ours-{level}");
            var populate = SampleData.PopulateOurs(oursDir, level, end, span);
            context.Log($"append: ours, {Fmt.N(level)} entries present (populated in {populate.TotalSeconds:0.0}s); timing {Fmt.N(oursAppends)} appends");
            var ours = TimeOurs(oursDir, level, oursAppends, report);
            long oursSize = FileSize(Path.Combine(oursDir, ".fastband", "fastband.db")) + FileSize(Path.Combine(oursDir, ".fastband", "fastband.db-wal"));
            context.Discard(oursDir);

            string baseDir = context.NewDirectory($"append-baseline-{level}");
            populate = SampleData.PopulateBaseline(baseDir, level, end, span);
            context.Log($"append: baseline, {Fmt.N(level)} entries present (populated in {populate.TotalSeconds:0.0}s); timing up to {baselineSeconds:0.#}s (at least {BaselineMinimum}, at most {Fmt.N(baselineMax)} appends)");
            var baseline = TimeBaseline(baseDir, level, baselineSeconds, baselineMax, report);
            long baseSize = FileSize(Path.Combine(baseDir, ".fastband", "agent_ops", "current.json"));
            context.Discard(baseDir);

            double ratio = ours.Rate / baseline.Rate;
            context.Log($"append: {Fmt.N(level)} present: ours {Fmt.Rate(ours.Rate)}, baseline {Fmt.Rate(baseline.Rate)}, ratio {Fmt.Ratio(ratio)}");
            table.AppendLine($"| {Fmt.N(level)} | {Fmt.N(ours.Count)} | {Fmt.Rate(ours.Rate)} | {Fmt.Ms(ours.Latency.Median)} / {Fmt.Ms(ours.Latency.P99)} | {Fmt.N(baseline.Count)} | {Fmt.Rate(baseline.Rate)} | {Fmt.Ms(baseline.Latency.Median)} / {Fmt.Ms(baseline.Latency.Max)} | {Fmt.Ratio(ratio)} | {Fmt.Bytes(oursSize)} | {Fmt.Bytes(baseSize)} |");

            bool atHundredK = level >= 100_000;
            report.Row(new SummaryRow(
                $"appends/s, one writer, {Fmt.N(level)} present",
                Fmt.Rate(ours.Rate), Fmt.Rate(baseline.Rate), Fmt.Ratio(ratio),
                atHundredK ? "≥ 2,000/s durable and ≥ 100x baseline" : "≥ 2,000/s durable",
                ours.Rate >= DurableTarget && (!atHundredK || ratio >= RatioTarget)));
        }

        report.Section("Appends per second, one writer", $"""
            Each level starts from a fresh project holding that many entries (bulk-loaded; ours through the schema the
            Core creates, the baseline's current.json written directly). Ours: {Fmt.N(oursAppends)} calls of
            `project.OpsLog.Write(...)`, each its own durable transaction. Baseline: `JsonOpsLogBaseline.Write(...)`
            for up to {baselineSeconds:0.#} s (at least {BaselineMinimum}, at most {Fmt.N(baselineMax)} appends). Both write the same
            message, ticket and metadata shapes. Rate = appends / wall time of the loop.

            {table}
            """);
    }

    private sealed record Timing(int Count, double Rate, Samples Latency);

    /// <summary>JIT both write paths once in scratch projects so that neither level pays for it.</summary>
    private static void WarmUp(BenchContext context)
    {
        string ours = context.NewDirectory("warmup-ours");
        using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = ours, Agent = "bench-warmup" }))
        {
            for (int i = 0; i < 50; i++) Write(project, i);
            project.OpsLog.Read(new OpsLogQuery { Since = DateTimeOffset.UtcNow.AddHours(-1), Limit = 0 });
        }
        string baseline = context.NewDirectory("warmup-baseline");
        var log = new JsonOpsLogBaseline(baseline);
        for (int i = 0; i < 50; i++) Write(log, i);
        log.Read(TimeSpan.FromHours(1), limit: int.MaxValue);
        context.Discard(ours);
        context.Discard(baseline);
    }

    private static Timing TimeOurs(string dir, int level, int count, Report report)
    {
        using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench-writer" });
        long before = project.Store.OpsLog.Count();
        var latencies = new double[count];
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Write(project, i);
            latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        watch.Stop();
        long after = project.Store.OpsLog.Count();
        if (before != level || after != before + count)
            report.Fail($"append (ours, {level} present): expected {level} then {level + count} entries, found {before} then {after}");
        return new Timing(count, count / watch.Elapsed.TotalSeconds, new Samples(latencies));
    }

    private static Timing TimeBaseline(string dir, int level, double seconds, int max, Report report)
    {
        var log = new JsonOpsLogBaseline(dir);
        var latencies = new List<double>();
        var budget = TimeSpan.FromSeconds(seconds);
        var watch = Stopwatch.StartNew();
        int done = 0;
        while (done < max && (done < BaselineMinimum || watch.Elapsed < budget))
        {
            long t0 = Stopwatch.GetTimestamp();
            var result = Write(log, done);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (!result.Success) report.Fail($"append (baseline, {level} present): {result.Error}");
            done++;
        }
        watch.Stop();
        int after = JsonOpsLogBaseline.LoadJson(log.CurrentFile).Entries.Count;
        if (after != level + done)
            report.Fail($"append (baseline, {level} present): expected {level + done} entries, found {after}");
        return new Timing(done, done / watch.Elapsed.TotalSeconds, new Samples(latencies));
    }

    private static void Write(FastbandProject project, long i) =>
        project.OpsLog.Write(SampleData.EventType(i),
            SampleData.Message(i), SampleData.Ticket(i), new Dictionary<string, object?> { ["seq"] = i });

    private static BaselineWriteResult Write(JsonOpsLogBaseline log, long i) =>
        log.Write("bench-writer", SampleData.EventType(i),
            SampleData.Message(i), SampleData.Ticket(i), new Dictionary<string, JsonElement> { ["seq"] = JsonSerializer.SerializeToElement(i) });

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
