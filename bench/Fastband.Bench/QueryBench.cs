using System.Diagnostics;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.Bench;

/// <summary>
/// <c>since 1h</c> over a large log (default 1M entries spread evenly over the last 30 days, so about 1.4k fall in
/// the last hour). Ours: <c>project.OpsLog.Read(new OpsLogQuery { Since = now - 1h, Limit = ... })</c> on an open
/// project. Baseline: <see cref="JsonOpsLogBaseline.Read"/> over the same entries.
/// </summary>
public static class QueryBench
{
    private const double TargetMs = 50;

    public static void Run(BenchContext context, Report report)
    {
        int entries = context.Options.Int("entries", 1_000_000);
        int runs = context.Options.Int("runs", 20);
        int baselineRuns = context.Options.Int("baseline-runs", 3);
        var span = TimeSpan.FromDays(30);
        var end = DateTimeOffset.UtcNow;
        context.Log($"query: load average {BenchContext.LoadAverage()}");

        // ---------------------------------------------------------------- ours
        string oursDir = context.NewDirectory("query-ours");
        context.Log($"query: populating ours with {Fmt.N(entries)} entries over 30 days");
        var populate = SampleData.PopulateOurs(oursDir, entries, end, span);
        long dbSize = new FileInfo(Path.Combine(oursDir, ".fastband", "fastband.db")).Length;
        context.Log($"query: ours populated in {populate.TotalSeconds:0.0}s ({Fmt.Bytes(dbSize)}); {runs} runs per query");

        Measured all, hundred, opened;
        var options = new ProjectOptions { ProjectPath = oursDir, Agent = "bench-reader" };
        using (var project = FastbandProject.Open(options))
        {
            for (int i = 0; i < 3; i++)
            {
                ReadOurs(project, 0);
                ReadOurs(project, OpsLogQuery.DefaultLimit);
            }
            all = Measure(runs, () => ReadOurs(project, 0));
            hundred = Measure(runs, () => ReadOurs(project, OpsLogQuery.DefaultLimit));
        }
        // What one short-lived caller pays besides the query itself: open the project (store, config), read, dispose.
        opened = Measure(runs, () =>
        {
            using var project = FastbandProject.Open(options);
            return ReadOurs(project, 0);
        });
        var diagnosis = Diagnose(oursDir, runs);
        context.Log($"query: ours limit 0 median {Fmt.Ms(all.Times.Median)} p95 {Fmt.Ms(all.Times.P95)} ({all.Count} entries); limit 100 median {Fmt.Ms(hundred.Times.Median)}; open+read median {Fmt.Ms(opened.Times.Median)}");
        context.Discard(oursDir);

        // ---------------------------------------------------------------- baseline
        string baseDir = context.NewDirectory("query-baseline");
        context.Log($"query: populating the baseline with {Fmt.N(entries)} entries over 30 days");
        populate = SampleData.PopulateBaseline(baseDir, entries, end, span);
        var log = new JsonOpsLogBaseline(baseDir);
        long jsonSize = new FileInfo(log.CurrentFile).Length;
        context.Log($"query: baseline populated in {populate.TotalSeconds:0.0}s ({Fmt.Bytes(jsonSize)}); {baselineRuns} runs per query");
        var baseAll = Measure(baselineRuns, () => log.Read(TimeSpan.FromHours(1), limit: int.MaxValue).Count, collect: true);
        var baseHundred = Measure(baselineRuns, () => log.Read(TimeSpan.FromHours(1), limit: OpsLogQuery.DefaultLimit).Count, collect: true);
        context.Log($"query: baseline all-of-hour median {Fmt.Ms(baseAll.Times.Median)} ({baseAll.Count} entries); limit 100 median {Fmt.Ms(baseHundred.Times.Median)}");
        context.Discard(baseDir);

        if (all.Count == 0 || Math.Abs(all.Count - baseAll.Count) > Math.Max(5, all.Count / 100))
            report.Fail($"query: ours found {all.Count} entries in the last hour, the baseline {baseAll.Count}: the two logs should hold the same entries");
        if (hundred.Count != Math.Min(OpsLogQuery.DefaultLimit, all.Count))
            report.Fail($"query: ours with limit 100 returned {hundred.Count} entries");

        report.Row(new SummaryRow($"since 1h over {Fmt.N(entries)}, all of the hour ({Fmt.N(all.Count)} entries): median / p95",
            $"{Fmt.Ms(all.Times.Median)} / {Fmt.Ms(all.Times.P95)}", $"{Fmt.Ms(baseAll.Times.Median)} / {Fmt.Ms(baseAll.Times.Max)} (max of {baseAll.Times.Count})",
            Fmt.Ratio(baseAll.Times.Median / all.Times.Median), "≤ 50 ms (judged on p95)", all.Times.P95 <= TargetMs));
        report.Row(new SummaryRow($"since 1h over {Fmt.N(entries)}, limit 100: median / p95",
            $"{Fmt.Ms(hundred.Times.Median)} / {Fmt.Ms(hundred.Times.P95)}", $"{Fmt.Ms(baseHundred.Times.Median)} / {Fmt.Ms(baseHundred.Times.Max)} (max of {baseHundred.Times.Count})",
            Fmt.Ratio(baseHundred.Times.Median / hundred.Times.Median), "≤ 50 ms (judged on p95)", hundred.Times.P95 <= TargetMs));
        report.Row(new SummaryRow($"open project + since 1h (all) + dispose, over {Fmt.N(entries)}: median / p95",
            $"{Fmt.Ms(opened.Times.Median)} / {Fmt.Ms(opened.Times.P95)}", "(the read above loads the file each time)", "", "", null));

        report.Section($"'since 1h' over {Fmt.N(entries)} entries", $"""
            {Fmt.N(entries)} entries spread evenly over the 30 days up to the start of the run; ours bulk-loaded into
            the Core's schema ({Fmt.Bytes(dbSize)} .db), the baseline's current.json written directly ({Fmt.Bytes(jsonSize)}).
            Ours: `project.OpsLog.Read(query)` with `Since = now - 1h` and `Limit = 0` (all) or 100, on an open project
            after 3 warm-up reads, {runs} timed runs each; plus open + read + dispose, {runs} runs. Baseline:
            `JsonOpsLogBaseline.Read(1h, limit: all | 100)`, {baselineRuns} timed runs each (the seed's `limit=0`
            returns nothing, so 'all' passes int.MaxValue). Allocation is what the reading thread allocated per run.

            | query | entries returned | median | p95 | min | max | allocated per run |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: |
            | ours, all of the hour | {Fmt.N(all.Count)} | {Fmt.Ms(all.Times.Median)} | {Fmt.Ms(all.Times.P95)} | {Fmt.Ms(all.Times.Min)} | {Fmt.Ms(all.Times.Max)} | {Fmt.Bytes(all.Allocated)} |
            | ours, limit 100 | {Fmt.N(hundred.Count)} | {Fmt.Ms(hundred.Times.Median)} | {Fmt.Ms(hundred.Times.P95)} | {Fmt.Ms(hundred.Times.Min)} | {Fmt.Ms(hundred.Times.Max)} | {Fmt.Bytes(hundred.Allocated)} |
            | ours, open + all of the hour + dispose | {Fmt.N(opened.Count)} | {Fmt.Ms(opened.Times.Median)} | {Fmt.Ms(opened.Times.P95)} | {Fmt.Ms(opened.Times.Min)} | {Fmt.Ms(opened.Times.Max)} | {Fmt.Bytes(opened.Allocated)} |
            | baseline, all of the hour | {Fmt.N(baseAll.Count)} | {Fmt.Ms(baseAll.Times.Median)} | {Fmt.Ms(baseAll.Times.P95)} | {Fmt.Ms(baseAll.Times.Min)} | {Fmt.Ms(baseAll.Times.Max)} | {Fmt.Bytes(baseAll.Allocated)} |
            | baseline, limit 100 | {Fmt.N(baseHundred.Count)} | {Fmt.Ms(baseHundred.Times.Median)} | {Fmt.Ms(baseHundred.Times.P95)} | {Fmt.Ms(baseHundred.Times.Min)} | {Fmt.Ms(baseHundred.Times.Max)} | {Fmt.Bytes(baseHundred.Allocated)} |

            Diagnosis (raw SQL on the same database, not a product figure): the plan SQLite picks for the statement
            the store builds now (ordered by ts_us, id: timestamps follow ids, so this is id order), beside the first
            version's ORDER BY id DESC, which walked the whole table.

            {diagnosis}
            """);
    }

    /// <summary>
    /// The plan for the SQL that SqliteStore.Query builds for <c>Since</c> (WHERE ts_us &gt;= $since ORDER BY ts_us DESC, id DESC),
    /// beside the first version's ORDER BY id DESC, which made SQLite scan the table in rowid order.
    /// </summary>
    private static string Diagnose(string projectDir, int runs)
    {
        string db = Path.Combine(projectDir, ".fastband", FastbandProject.DatabaseFileName);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = db, Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        const string columns = "id, ts_us, agent, event_type, message, ticket_id, metadata, host, pid";
        var shapes = new (string Label, string Sql)[]
        {
            ("as built by the store, no limit", $"SELECT {columns} FROM ops_log WHERE ts_us >= $since ORDER BY ts_us DESC, id DESC"),
            ("as built by the store, LIMIT 100", $"SELECT {columns} FROM ops_log WHERE ts_us >= $since ORDER BY ts_us DESC, id DESC LIMIT 100"),
            ("first version: ORDER BY id DESC, no limit", $"SELECT {columns} FROM ops_log WHERE ts_us >= $since ORDER BY id DESC"),
        };
        var text = new System.Text.StringBuilder();
        text.AppendLine("| statement | plan | rows | median |");
        text.AppendLine("| --- | --- | ---: | ---: |");
        foreach (var (label, sql) in shapes)
        {
            long since = (DateTimeOffset.UtcNow.AddHours(-1).UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
            var plan = new List<string>();
            using (var explain = connection.CreateCommand())
            {
                explain.CommandText = "EXPLAIN QUERY PLAN " + sql;
                explain.Parameters.AddWithValue("$since", since);
                using var r = explain.ExecuteReader();
                while (r.Read()) plan.Add(r.GetString(3));
            }
            int rows = 0;
            var times = new List<double>();
            for (int i = 0; i < Math.Max(runs, 3); i++)
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = sql;
                cmd.Parameters.AddWithValue("$since", since);
                long t0 = Stopwatch.GetTimestamp();
                using (var r = cmd.ExecuteReader())
                {
                    rows = 0;
                    while (r.Read())
                    {
                        for (int c = 0; c < r.FieldCount; c++) _ = r.GetValue(c);
                        rows++;
                    }
                }
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            text.AppendLine($"| {label} | `{string.Join("; ", plan)}` | {Fmt.N(rows)} | {Fmt.Ms(new Samples(times).Median)} |");
        }
        return text.ToString();
    }

    private static int ReadOurs(FastbandProject project, int limit) =>
        project.OpsLog.Read(new OpsLogQuery { Since = project.Clock.GetUtcNow() - TimeSpan.FromHours(1), Limit = limit }).Count;

    private sealed record Measured(Samples Times, int Count, long Allocated);

    private static Measured Measure(int runs, Func<int> read, bool collect = false)
    {
        var times = new List<double>();
        int count = 0;
        long allocated = 0;
        for (int i = 0; i < runs; i++)
        {
            if (collect)
            {
                // The baseline leaves ~1 GB of garbage per read; do not bill one read for the previous one's.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
            }
            long bytes0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            count = read();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - bytes0;
        }
        return new Measured(new Samples(times), count, allocated);
    }
}
