using System.Globalization;

namespace Fastband.Bench;

/// <summary>
/// <c>Fastband.Bench &lt;command&gt; [options]</c>: measures the SQLite ops log against the seed's JSON-file baseline.
/// Progress goes to stderr, results (markdown) to stdout. See docs/benchmarks.md.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: Fastband.Bench <command> [options]

        commands
          all        every measurement below, then one summary table (about 2 minutes on 2 quiet cores)
          append     appends/s with 0, 10k and 100k entries already present, ours and baseline
          query      'since 1h' over 1M entries spread over 30 days, ours and baseline
          multiproc  8 processes appending at once into one project, ours and baseline; checks nothing is lost
          cli        wall time of one 'fastband ops write' process, direct and through the ./fastband wrapper
          locks      lock-inproc, lock-cli and lock-contend below (about 1 minute)
          lock-inproc   in-process Acquire + Release pairs, uncontended (target: median pair <= 1 ms)
          lock-cli      one 'fastband lock acquire' + 'lock release' pair of processes against util-linux flock
          lock-contend  8 processes contending for one lock (and 1, 2, 4 first): grants/s, fairness, mutual exclusion
          events     event log: snapshot of 100k events in 1,000 interactions and import of 100k lines against the
                     seed's generate_snapshot.sh (jq), events appended by 8 processes against its log_event.sh
          issues     the ready list among 10k issues in process (target <= 30 ms, beads' published figure) and
                     claims/s with 1, 2, 4, 8, 16 processes racing for the same issue (about 1 minute)
          git        commit latency against plain 'git add -A && git commit' on the same change (in process and
                     through the CLI), and session save/restore of a 10 MB conversation (target <= 100 ms each)
          hook       wall time of one 'fastband hook pre-tool-use' process on an allowed and a blocked edit, beside
                     'fastband ops check' and 'git --version' in the same run
          mcp        `fastband mcp`: warm tool calls over stdio (check, lock + unlock, send + read) against the same
                     as CLI processes, side by side (target: MCP >= 50x faster per call), and server start to first answer
          hotpath    ops check, ops write, lock acquire/release, hook pre-tool-use and an unchanged backup create as
                     processes, piece by piece (FASTBAND_TRACE_PHASES), beside git --version and flock; --jit-cli PATH
                     also times the runtime build
          pg         the PostgreSQL store against SQLite in the same run: in-process appends and lock pairs, and
                     8 processes appending at once (target: >= 1,000 appends/s on PostgreSQL, nothing lost).
                     Not part of 'all': it needs a server (--pg, else tests/servers/start.sh's FASTBAND_TEST_PG_*)
          worker     (internal) one appending process of multiproc
          eventworker (internal) one appending process of events
          lockworker (internal) one contending process of lock-contend
          issueworker (internal) one contending process of issues

        options
          --work DIR             where the throw-away projects go (default: a new folder under the temp folder)
          --keep                 keep --work afterwards
          --repo DIR             the repository root (default: found from the current folder)
          --out FILE             also write the markdown report here (all: default bench/results/all-<time>.md)
          --levels 0,10000,100000   append: entries present before timing
          --ours-appends N       append: appends timed for ours at each level (default 2000)
          --baseline-seconds S   append: time budget per level for the baseline (default 3)
          --baseline-max N       append: at most this many baseline appends per level (default 2000)
          --entries N            query: entries in the log (default 1000000)
          --runs N               query: timed runs per query for ours (default 20); cli: processes (default 30)
          --baseline-runs N      query: timed runs of the baseline read (default 3)
          --workers N            multiproc: processes (default 8)
          --ours-count N         multiproc: appends per process for ours (default 500)
          --baseline-count N     multiproc: appends per process for the baseline (default 500)
          --no-control           multiproc: skip the negative control (baseline without its lock)
          --cli PATH             cli, lock-cli: the published fastband executable (default <repo>/.build/cli/fastband)
          --lock-pairs N         lock-inproc: timed pairs per variant (default 2000)
          --lock-others N        lock-inproc: other agents' leases held in the busy variant (default 100)
          --lock-runs N          lock-cli: rounds (default 30)
          --flock PATH           lock-cli: the flock executable (default flock from PATH)
          --lock-workers N       lock-contend: processes (default 8)
          --lock-seconds S       lock-contend: how long each process loops (default 10)
          --lock-sweep 1,2,4     lock-contend: also run with these numbers of processes first (default 1,2,4; 0: none)
          --lock-sweep-seconds S lock-contend: how long each sweep process loops (default 5)
          --event-count N        events: events generated (default 100000), in --event-interactions N (default 1000)
          --event-runs N         events: timed snapshot runs (default 5)
          --baseline-cap-seconds S  events: stop the seed's snapshot script after S seconds and project (default 90)
          --event-appends N      events: appends per process for ours (default 500); --event-seed-appends N (default 50)
          --issues N             issues: issues in the ready-list store (default 10000)
          --issue-runs N         issues: timed runs per ready-list variant (default 50)
          --issue-workers 1,2,4,8,16   issues: numbers of contending processes (0: skip the contention part)
          --issue-seconds S      issues: how long each contending process loops (default 5)
          --git-rounds N         git: timed commit rounds (default 40); --git-files N: files in the tree (default 2000)
          --session-rounds N     git: timed session save+restore rounds (default 10)
          --session-variants     git: also time the same 10 MB upsert on raw connections (automatic checkpoint or not,
                                 4/16/64 KiB pages, a larger cache): where a save's time goes
          --mcp-calls N          mcp: timed warm rounds over MCP (default 200); --mcp-cli-runs N: CLI rounds (default 20);
                                 --mcp-starts N: server starts timed (default 10)
          --pg CONNECTION        pg: "Host=..;Port=..;Database=..;Username=.." (no password; default from FASTBAND_TEST_PG_*)
          --pg-password-env NAME pg: the variable holding the password (default FASTBAND_TEST_PG_PASSWORD)
          --pg-appends N         pg: timed in-process appends per store (default 2000); --lock-pairs sets the pairs (default 1000 here)
          --quiet-wait S         before each measurement, wait up to S seconds for a 2 s window in which other
                                 processes use under --quiet-below percent (default 25) of the CPU; default 0: no wait
        """;

    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var options = Options.Parse(args.Skip(1));
        string command = args[0];
        if (command == "worker") return MultiProcessBench.Worker(options);
        if (command == "lockworker") return LockBench.Worker(options);
        if (command == "eventworker") return EventBench.Worker(options);
        if (command == "issueworker") return IssueBench.Worker(options);

        using var context = BenchContext.Create(options);
        var report = new Report(context);
        (string Name, Action<BenchContext, Report> Run)[] benches =
        {
            ("append", AppendBench.Run),
            ("query", QueryBench.Run),
            ("multiproc", MultiProcessBench.Run),
            ("cli", CliBench.Run),
            ("lock-inproc", LockBench.InProcess),
            ("lock-cli", LockBench.CliVsFlock),
            ("lock-contend", LockBench.Contention),
            ("backup", BackupBench.Run),
            ("events", EventBench.Run),
            ("issues", IssueBench.Run),
            ("git", GitBench.Run),
            ("hook", HookBench.Run),
            ("mcp", McpBench.Run),
            ("hotpath", HotPathBench.Run),
            ("pg", PgBench.Run),
        };
        var selected = benches.Where(b => (command == "all" && b.Name != "pg") || b.Name == command
                                          || (command == "locks" && b.Name.StartsWith("lock-", StringComparison.Ordinal))).ToArray();
        if (selected.Length == 0)
        {
            Console.Error.WriteLine($"Fastband.Bench: unknown command '{command}'.");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        foreach (var (name, run) in selected)
        {
            report.Begin(name);
            run(context, report);
        }

        string markdown = report.ToMarkdown(summary: command == "all");
        Console.WriteLine(markdown);
        string? outFile = options.Get("out")
            ?? (command == "all" && context.RepoRoot is { } repo
                ? Path.Combine(repo, "bench", "results", $"all-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md")
                : null);
        if (outFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            File.WriteAllText(outFile, markdown);
            Console.Error.WriteLine($"report written to {outFile}");
        }
        return report.Failures.Count == 0 ? 0 : 1;
    }
}

/// <summary><c>--name value</c> and <c>--flag</c> pairs.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public static Options Parse(IEnumerable<string> args)
    {
        var o = new Options();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument '{list[i]}'");
            string name = list[i][2..];
            string? value = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
            o._values[name] = value;
        }
        return o;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;
    public bool Flag(string name) => _values.ContainsKey(name);
    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v.Replace("_", ""), CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public int[] Ints(string name, int[] fallback) =>
        Get(name) is { } v
            ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.Parse(s.Replace("_", ""), CultureInfo.InvariantCulture)).ToArray()
            : fallback;
}
