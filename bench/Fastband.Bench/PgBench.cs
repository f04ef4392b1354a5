using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fastband.Core;
using Fastband.Core.Locks;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;
using Npgsql;

namespace Fastband.Bench;

/// <summary>
/// <c>pg</c>: the PostgreSQL store against the SQLite store, side by side in the same run (docs/benchmarks.md,
/// "PostgreSQL store"): in-process ops-log appends, in-process lock acquire + release pairs, and N processes
/// appending at once (target on PostgreSQL: at least 1,000 appends/s in aggregate, nothing lost).
/// The server: <c>--pg "Host=..;Port=..;Database=..;Username=.."</c> with the password in the variable named by
/// <c>--pg-password-env</c> (default FASTBAND_TEST_PG_PASSWORD), else the FASTBAND_TEST_PG_* variables that
/// tests/servers/start.sh writes. Every project gets a fresh schema, dropped afterwards.
/// </summary>
public static class PgBench
{
    private const double TargetAggregate = 1000;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record Pg(string Connection, string PasswordEnv)
    {
        public List<string> Schemas { get; } = new();

        /// <summary>Points a project folder at a new schema of the server.</summary>
        public void Use(string projectDir)
        {
            string schema = "bench_" + Guid.NewGuid().ToString("N")[..16];
            Schemas.Add(schema);
            Directory.CreateDirectory(Path.Combine(projectDir, ".fastband"));
            File.WriteAllText(Path.Combine(projectDir, ".fastband", FastbandConfig.FileName),
                $"store:\n  type: postgres\n  connection: \"{Connection}\"\n  passwordEnv: {PasswordEnv}\n  schema: {schema}\n");
        }

        public void DropAll()
        {
            using var c = new NpgsqlConnection($"{Connection};Password={Environment.GetEnvironmentVariable(PasswordEnv)};Pooling=false");
            c.Open();
            foreach (string s in Schemas)
            {
                using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{s}\" CASCADE;", c);
                drop.ExecuteNonQuery();
            }
        }

        public string ServerVersion()
        {
            using var c = new NpgsqlConnection($"{Connection};Password={Environment.GetEnvironmentVariable(PasswordEnv)};Pooling=false");
            c.Open();
            using var cmd = new NpgsqlCommand("SELECT current_setting('server_version') || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit');", c);
            return (string)cmd.ExecuteScalar()!;
        }
    }

    private static Pg Server(BenchContext context)
    {
        string passwordEnv = context.Options.Get("pg-password-env") ?? "FASTBAND_TEST_PG_PASSWORD";
        string? connection = context.Options.Get("pg");
        if (connection is null)
        {
            string Env(string name) => Environment.GetEnvironmentVariable($"FASTBAND_TEST_PG_{name}")
                ?? throw new InvalidOperationException($"FASTBAND_TEST_PG_{name} is not set: pass --pg \"Host=..;Port=..;Database=..;Username=..\" or run tests/servers/start.sh and source .build/servers/env.");
            connection = $"Host={Env("HOST")};Port={Env("PORT")};Database={Env("DB")};Username={Env("USER")}";
        }
        if (Environment.GetEnvironmentVariable(passwordEnv) is null)
            throw new InvalidOperationException($"{passwordEnv} is not set: export the PostgreSQL password in it (or name another variable with --pg-password-env).");
        return new Pg(connection, passwordEnv);
    }

    public static void Run(BenchContext context, Report report)
    {
        var pg = Server(context);
        int appends = context.Options.Int("pg-appends", 2000);
        int pairs = context.Options.Int("lock-pairs", 1000);
        int workers = context.Options.Int("workers", 8);
        int perWorker = context.Options.Int("ours-count", 500);
        context.Log($"pg: server {pg.ServerVersion()}; load average {BenchContext.LoadAverage()}");
        try
        {
            var appendRows = new List<(string Store, Samples Times, double Rate)>();
            var lockRows = new List<(string Store, Samples Times)>();
            foreach (var (store, prepare) in Stores(pg))
            {
                string dir = context.NewDirectory($"pg-inproc-{store}");
                prepare(dir);
                using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = dir, Agent = "bench" });
                Time(200, _ => project.OpsLog.Write(OpsEventType.General, "warm-up")); // JIT, connection, statements
                var clock = Stopwatch.StartNew();
                var times = Time(appends, i => project.OpsLog.Write(OpsEventType.StatusUpdate, Inv($"append {i}"), null, new Dictionary<string, object?> { ["seq"] = i }));
                double rate = appends / clock.Elapsed.TotalSeconds;
                long count = project.Store.OpsLog.Count();
                if (count != appends + 200) report.Fail($"pg: {store}: {count} entries after {appends + 200} appends");
                appendRows.Add((store, times, rate));
                context.Log($"pg: {store}: append median {Fmt.Ms(times.Median)}, {Fmt.Rate(rate)}");

                Time(200, i => Pair(project, "warm/up.txt", report));
                var pairTimes = Time(pairs, _ => Pair(project, "src/bench.txt", report));
                lockRows.Add((store, pairTimes));
                context.Log($"pg: {store}: lock pair median {Fmt.Ms(pairTimes.Median)}");
            }

            var sqliteMulti = MultiProcessBench.RunKind(context, "ours", workers, perWorker);
            var pgMulti = MultiProcessBench.RunKind(context, "ours-pg", workers, perWorker, pg.Use);
            foreach (var o in new[] { sqliteMulti, pgMulti })
            {
                if (o.Lost > 0 || o.Duplicates > 0 || o.Errors > 0 || !o.IdsUnique || o.IncompleteWorkers > 0)
                    report.Fail($"pg: multiproc ({o.Kind}): {MultiProcessBench.Verdict(o)}");
                if (!o.Overlapped) report.Fail($"pg: multiproc ({o.Kind}): the workers did not overlap: the run proves nothing");
            }

            var (sqliteAppend, pgAppend) = (appendRows[0], appendRows[1]);
            report.Row(new SummaryRow("ops-log append in process: median per append (PostgreSQL / SQLite)",
                Fmt.Ms(pgAppend.Times.Median), Fmt.Ms(sqliteAppend.Times.Median), Fmt.Ratio(pgAppend.Times.Median / sqliteAppend.Times.Median), "", null));
            report.Row(new SummaryRow("lock acquire + release in process: median per pair (PostgreSQL / SQLite)",
                Fmt.Ms(lockRows[1].Times.Median), Fmt.Ms(lockRows[0].Times.Median), Fmt.Ratio(lockRows[1].Times.Median / lockRows[0].Times.Median), "", null));
            report.Row(new SummaryRow($"{workers} processes appending at once: aggregate appends/s (PostgreSQL / SQLite)",
                Fmt.Rate(pgMulti.Rate), Fmt.Rate(sqliteMulti.Rate), Fmt.Ratio(pgMulti.Rate / sqliteMulti.Rate), "PostgreSQL ≥ 1,000/s, nothing lost",
                pgMulti.Rate >= TargetAggregate && pgMulti.Lost == 0 && pgMulti.Duplicates == 0 && pgMulti.Overlapped));

            var body = new StringBuilder();
            body.AppendLine(Inv($"""
                Server: PostgreSQL {pg.ServerVersion()} on 127.0.0.1 (tests/servers/start.sh), Npgsql 9.0.3. SQLite: the
                project's .fastband/fastband.db (WAL, synchronous=FULL) on the same disk. In process: one
                `FastbandProject.Open`, 200 untimed warm-up calls, then {Fmt.N(appends)} timed `OpsLog.Write` calls and
                {Fmt.N(pairs)} timed `Locks.Acquire` + `Locks.Release` pairs (same path, exclusive, uncontended), each its
                own write transaction. Processes: {workers} copies of the bench executable append {Fmt.N(perWorker)} entries
                each into one project, started together (see "8 processes appending at once"); every entry is then read
                back and counted.

                | store | append median / p95 / p99 | appends/s (one process) | lock pair median / p95 / p99 | {workers} processes: aggregate appends/s | found / expected, lost, duplicated | overlapped |
                | --- | ---: | ---: | ---: | ---: | --- | --- |
                """));
            var multi = new[] { sqliteMulti, pgMulti };
            for (int i = 0; i < 2; i++)
            {
                var a = appendRows[i].Times;
                var l = lockRows[i].Times;
                var m = multi[i];
                body.AppendLine($"| {appendRows[i].Store} | {Fmt.Ms(a.Median)} / {Fmt.Ms(a.P95)} / {Fmt.Ms(a.P99)} | {Fmt.Rate(appendRows[i].Rate)} | {Fmt.Ms(l.Median)} / {Fmt.Ms(l.P95)} / {Fmt.Ms(l.P99)} | {Fmt.Rate(m.Rate)} | {Fmt.N(m.Found)} / {Fmt.N(m.Expected)}, {Fmt.N(m.Lost)}, {Fmt.N(m.Duplicates)} | {(m.Overlapped ? "yes" : "**no**")} |");
            }
            body.AppendLine().AppendLine(Inv($"Target: PostgreSQL, {workers} processes, ≥ {TargetAggregate:N0} appends/s with nothing lost. Met: {(pgMulti.Rate >= TargetAggregate && pgMulti.Lost == 0 ? "yes" : "**no**")}."));
            report.Section("PostgreSQL store against SQLite", body.ToString());
        }
        finally
        {
            pg.DropAll();
        }
    }

    private static IEnumerable<(string Store, Action<string> Prepare)> Stores(Pg pg)
    {
        yield return ("sqlite", _ => { });
        yield return ("postgres", pg.Use);
    }

    private static void Pair(FastbandProject project, string path, Report report)
    {
        var r = project.Locks.Acquire(new LockRequest { Resources = new[] { path } });
        if (!r.Granted || r.AlreadyHeld) report.Fail($"pg: lock pair not granted as a new lease: {r.Message}");
        else if (!project.Locks.Release(r.Lease!.LeaseId).Released) report.Fail("pg: lock pair not released");
    }

    private static Samples Time(int count, Action<int> body)
    {
        var times = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            body(i);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return new Samples(times);
    }
}
