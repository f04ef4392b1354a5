using System.Diagnostics;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.Bench;

/// <summary>
/// Wall time of one <c>fastband hook pre-tool-use</c> process (it runs before every file edit an agent makes), fed
/// a Claude Code PreToolUse payload on stdin: an edit nothing stands in the way of, and one another agent's exclusive
/// lock blocks (exit 2). Beside them in the same run, interleaved: <c>fastband ops check</c> (the same process
/// start-up and one read) and <c>git --version</c> (a native process that does nothing, the floor).
/// </summary>
public static class HookBench
{
    public static void Run(BenchContext context, Report report)
    {
        int runs = context.Options.Int("runs", 30);
        if (context.PublishedCli(report, "hook") is not { } cli) return;
        string project = context.NewDirectory("hook-project");
        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = "holder" }))
            p.Locks.Acquire(new LockRequest { Resources = new[] { "src/locked" }, Ttl = TimeSpan.FromHours(2) });

        string Payload(string file) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["session_id"] = "bench", ["cwd"] = project, ["hook_event_name"] = "PreToolUse", ["tool_name"] = "Edit",
            ["tool_input"] = new Dictionary<string, string> { ["file_path"] = Path.Combine(project, file), ["old_string"] = "a", ["new_string"] = "b" },
        });
        var cases = new (string Name, string File, string[] Args, string? Stdin, int Exit)[]
        {
            ("hook, edit allowed", cli, new[] { "hook", "pre-tool-use", "--agent", "editor", "--project", project }, Payload("src/free/a.cs"), 0),
            ("hook, edit blocked by a lock", cli, new[] { "hook", "pre-tool-use", "--agent", "editor", "--project", project }, Payload("src/locked/a.cs"), 2),
            ("`fastband ops check`", cli, new[] { "--project", project, "--agent", "editor", "ops", "check" }, null, 0),
            ("`git --version`", "git", new[] { "--version" }, null, 0),
        };
        context.Log($"hook: {runs} runs of each of {cases.Length} cases, interleaved; load average {BenchContext.LoadAverage()}");
        foreach (var c in cases) Time(c.File, c.Args, c.Stdin, c.Exit, c.Name, report); // untimed first runs
        var times = cases.Select(_ => new List<double>()).ToArray();
        for (int i = 0; i < runs; i++)
            for (int k = 0; k < cases.Length; k++)
                times[k].Add(Time(cases[k].File, cases[k].Args, cases[k].Stdin, cases[k].Exit, cases[k].Name, report));
        var samples = times.Select(t => new Samples(t)).ToArray();
        context.Discard(project);

        double floor = samples[^1].Median;
        report.Row(new SummaryRow("one `fastband hook pre-tool-use` process on an edit: median / p95 (allowed; blocked by a lock)",
            $"{Fmt.Ms(samples[0].Median)} / {Fmt.Ms(samples[0].P95)}; {Fmt.Ms(samples[1].Median)} / {Fmt.Ms(samples[1].P95)}",
            $"git --version: {Fmt.Ms(floor)}", $"{samples[0].Median / floor:0.#}x", "median ≤ 20 ms (issue 17)", samples[0].Median <= 20));
        string rows = string.Join("\n", cases.Select((c, k) =>
            $"| {c.Name} | {samples[k].Count} | {Fmt.Ms(samples[k].Median)} | {Fmt.Ms(samples[k].P95)} | {Fmt.Ms(samples[k].Min)} | {Fmt.Ms(samples[k].Max)} | {samples[k].Median / floor:0.#}x |"));
        report.Section("Wall time of the pre-tool-use hook", $"""
            Each case is one process, timed from Process.Start to exit (stdin written and closed), {runs} runs after one
            untimed run, the cases interleaved so that all see the same load. The project holds one lease (another
            agent's exclusive lock on src/locked); the hook is asked about an edit of src/free/a.cs (allowed, exit 0)
            and of src/locked/a.cs (blocked, exit 2). Every run must exit as expected.

            | case | runs | median | p95 | min | max | median vs `git --version` |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: |
            {rows}
            """);
    }

    private static double Time(string executable, string[] args, string? stdin, int exit, string label, Report report)
    {
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        long t0 = Stopwatch.GetTimestamp();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (p.ExitCode != exit)
            report.Fail($"hook: '{label}' exited {p.ExitCode}, expected {exit}: {stderr.Result.Trim()} {stdout.Result.Trim()}");
        return ms;
    }
}
