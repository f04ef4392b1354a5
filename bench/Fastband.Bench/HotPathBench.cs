using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.Bench;

/// <summary>
/// The hot paths piece by piece (docs/benchmarks.md, "Start-up"): each of <c>ops check</c>, <c>ops write</c>,
/// <c>lock acquire</c>, <c>lock release</c>, <c>hook pre-tool-use</c> and an unchanged <c>backup create</c> run as
/// processes with FASTBAND_TRACE_PHASES=1, so each prints where its time went after Main (<see cref="PhaseTrace"/>);
/// the time before Main and after the last mark (process, loader and runtime start-up, and exit) is the wall time
/// minus that. The floors are timed in the same run, interleaved: <c>git --version</c> and <c>flock</c>. With
/// <c>--jit-cli PATH</c> the runtime (JIT) build is timed beside the native one.
/// </summary>
public static class HotPathBench
{
    private sealed record Case(string Name, string Executable, string[] Args, string? Stdin, int Exit, bool Traced);

    public static void Run(BenchContext context, Report report)
    {
        int runs = context.Options.Int("runs", 30);
        if (context.PublishedCli(report, "hotpath") is not { } cli) return;
        string? jit = context.Options.Get("jit-cli") is { } j ? Path.GetFullPath(j) : null;
        string project = context.NewDirectory("hotpath-project");
        Directory.CreateDirectory(Path.Combine(project, "src"));
        for (int i = 0; i < 200; i++) File.WriteAllText(Path.Combine(project, "src", $"f{i}.txt"), $"file {i}\n");
        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = "holder" }))
            p.Locks.Acquire(new LockRequest { Resources = new[] { "src/locked" }, Ttl = TimeSpan.FromHours(2) });
        string payload = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["session_id"] = "bench", ["cwd"] = project, ["hook_event_name"] = "PreToolUse", ["tool_name"] = "Edit",
            ["tool_input"] = new Dictionary<string, string> { ["file_path"] = Path.Combine(project, "src/free.txt"), ["old_string"] = "a", ["new_string"] = "b" },
        });
        string lockFile = Path.Combine(project, "flock.lock");
        var builds = jit is null ? new[] { ("native", cli) } : new[] { ("native", cli), ("JIT", jit) };
        var cases = new List<Case>();
        foreach (var (build, exe) in builds)
        {
            string[] Global(params string[] rest) => new[] { "--project", project, "--agent", "bench" }.Concat(rest).ToArray();
            cases.Add(new($"{build}: ops check", exe, Global("ops", "check"), null, 0, true));
            cases.Add(new($"{build}: ops write", exe, Global("ops", "write", "--type", "status_update", "--message", "bench"), null, 0, true));
            cases.Add(new($"{build}: lock acquire", exe, Global("lock", "acquire", "src/bench.txt", "--ttl", "10m"), null, 0, true));
            cases.Add(new($"{build}: lock release", exe, Global("lock", "release", "src/bench.txt"), null, 0, true));
            cases.Add(new($"{build}: hook pre-tool-use", exe, new[] { "hook", "pre-tool-use", "--agent", "bench", "--project", project }, payload, 0, true));
            cases.Add(new($"{build}: backup create (unchanged)", exe, Global("backup", "create"), null, 0, true));
        }
        cases.Add(new("`git --version`", "git", new[] { "--version" }, null, 0, false));
        cases.Add(new("`flock -x F true`", "flock", new[] { "-x", lockFile, "true" }, null, 0, false));
        Time(cases.First(c => c.Name.EndsWith("backup create (unchanged)", StringComparison.Ordinal)), report); // the first backup
        context.Log($"hotpath: {runs} rounds of {cases.Count} cases, interleaved; load average {BenchContext.LoadAverage()}");
        foreach (var c in cases) Time(c, report); // untimed first runs
        var walls = cases.Select(_ => new List<double>()).ToArray();
        var phases = cases.Select(_ => new Dictionary<string, List<double>>()).ToArray();
        var orders = cases.Select(_ => new List<string>()).ToArray();
        for (int i = 0; i < runs; i++)
            for (int k = 0; k < cases.Count; k++)
            {
                var (wall, line) = Time(cases[k], report);
                walls[k].Add(wall);
                if (cases[k].Traced) Collect(line, wall, phases[k], orders[k], cases[k].Name, report);
            }
        context.Discard(project);

        var medians = walls.Select(w => new Samples(w).Median).ToArray();
        double gitFloor = medians[^2], flockFloor = medians[^1];
        var table = new StringBuilder();
        for (int k = 0; k < cases.Count; k++)
        {
            string pieces = cases[k].Traced
                ? string.Join(", ", orders[k].Select(name => $"{name} {Fmt.Ms(new Samples(phases[k][name]).Median)}"))
                : "";
            table.Append(CultureInfo.InvariantCulture, $"| {cases[k].Name} | {Fmt.Ms(medians[k])} | {Fmt.Ms(new Samples(walls[k]).P95)} | {medians[k] / gitFloor:0.0}x | {pieces} |\n");
        }
        foreach (var (build, _) in builds)
        {
            int at = cases.FindIndex(c => c.Name == $"{build}: ops check");
            report.Row(new SummaryRow($"{build} `fastband ops check` / `ops write` processes: median",
                $"{Fmt.Ms(medians[at])} / {Fmt.Ms(medians[at + 1])}", $"git --version: {Fmt.Ms(gitFloor)}",
                $"{medians[at] / gitFloor:0.0}x / {medians[at + 1] / gitFloor:0.0}x", "≤ 20 ms / ≤ 25 ms (issue 17)", medians[at] <= 20 && medians[at + 1] <= 25));
            double pair = medians[at + 2] + medians[at + 3];
            report.Row(new SummaryRow($"{build} `lock acquire` + `lock release` processes: sum of medians", Fmt.Ms(pair),
                $"flock -x F true: {Fmt.Ms(flockFloor)}", $"{pair / flockFloor:0.0}x", "≤ 15x flock (issue 17)", pair / flockFloor <= 15));
            report.Row(new SummaryRow($"{build} `hook pre-tool-use` process: median", Fmt.Ms(medians[at + 4]), $"git --version: {Fmt.Ms(gitFloor)}",
                $"{medians[at + 4] / gitFloor:0.0}x", "≤ 20 ms (issue 17)", medians[at + 4] <= 20));
        }
        report.Section("The hot paths piece by piece", $"""
            Each case is one process, timed from Process.Start to exit, {runs} rounds after one untimed run, the cases
            interleaved so that all see the same load. The fastband processes run with FASTBAND_TRACE_PHASES=1 and the
            pieces are the medians of each phase's own time: `pre-main + exit` is the wall time minus the last mark (the
            process, the loader and the runtime starting, and the exit), `main` to `parsed` the command line, `config`
            .fastband/config.yaml, `sqlite-loaded` the native library set up, `connection` its open, `pragmas` WAL and
            busy timeout, `schema` the migration check, `before-gate` the reads before a write, `writer-gate` the
            machine-wide writer mutex, `begin` BEGIN IMMEDIATE, `work` the statements, `commit` COMMIT (fsync), `result` the
            rest of the command, `written` the output. The project has 200 files in src/ and one lease held by another
            agent; the lock case acquires and then releases src/bench.txt each round.

            | case | median | p95 | vs `git --version` | pieces (median ms each) |
            | --- | ---: | ---: | ---: | --- |
            {table}
            """);
    }

    /// <summary>Adds each phase's own time (its end minus the previous end) and the time outside Main.</summary>
    private static void Collect(string? line, double wall, Dictionary<string, List<double>> phases, List<string> order, string label, Report report)
    {
        if (line is null)
        {
            report.Fail($"hotpath: '{label}' printed no phases line");
            return;
        }
        double previous = 0, last = 0;
        var seen = new Dictionary<string, int>();
        foreach (string part in line["fastband: phases:".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int space = part.LastIndexOf(' ');
            string name = part[..space];
            double at = double.Parse(part[(space + 1)..], CultureInfo.InvariantCulture);
            int n = seen[name] = seen.GetValueOrDefault(name) + 1;
            if (n > 1) name += $" #{n}";
            if (name != "main") Add(name, at - previous);
            previous = last = at;
        }
        Add("pre-main + exit", wall - last);

        void Add(string name, double ms)
        {
            if (!phases.TryGetValue(name, out var list))
            {
                phases[name] = list = new List<double>();
                order.Add(name);
            }
            list.Add(ms);
        }
    }

    private static (double Wall, string? Phases) Time(Case c, Report report)
    {
        var psi = new ProcessStartInfo(c.Executable) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in c.Args) psi.ArgumentList.Add(a);
        if (c.Traced) psi.Environment["FASTBAND_TRACE_PHASES"] = "1";
        long t0 = Stopwatch.GetTimestamp();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {c.Executable}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (c.Stdin is not null) p.StandardInput.Write(c.Stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        string err = stderr.Result;
        if (p.ExitCode != c.Exit) report.Fail($"hotpath: '{c.Name}' exited {p.ExitCode}, expected {c.Exit}: {err.Trim()} {stdout.Result.Trim()}");
        string? line = err.Split('\n').LastOrDefault(l => l.StartsWith("fastband: phases:", StringComparison.Ordinal));
        return (ms, line);
    }
}
