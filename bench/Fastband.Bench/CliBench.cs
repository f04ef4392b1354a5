using System.Diagnostics;
using System.Globalization;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.Bench;

/// <summary>
/// Wall time of one <c>fastband ops write</c> process, from Process.Start to exit, against a temp project: the
/// published executable directly, then through the repository's <c>./fastband</c> wrapper script (its staleness
/// check is the overhead). The wrapper runs from a mirror of the repository (the script, the CLI and Core sources
/// with their bin/obj, the published CLI in .build/cli, a fresh stamp), so that a concurrent edit of the real
/// sources can never make it rebuild in the middle of a measurement.
/// </summary>
public static class CliBench
{
    private const double TargetMs = 150;

    public static void Run(BenchContext context, Report report)
    {
        int runs = context.Options.Int("runs", 30);
        if (context.PublishedCli(report, "cli") is not { } cli) return;

        string project = context.NewDirectory("cli-project");
        string? wrapper = null;
        string? wrapperNote = null;
        if (context.RepoRoot is { } repo && File.Exists(Path.Combine(repo, "fastband")))
            wrapper = Path.Combine(MirrorRepository(context, repo, Path.GetDirectoryName(cli)!), "fastband");
        else
            wrapperNote = "(no ./fastband found: the wrapper was not measured)";

        context.Log($"cli: {cli}{(wrapper is null ? "" : $" and the wrapper {wrapper}")}: {runs} runs each of 'ops write', interleaved, after one untimed first run of each; load average {BenchContext.LoadAverage()}");
        var first = Time(cli, project, "first", report);
        if (wrapper is not null) Time(wrapper, project, "wrapper first", report);
        // Interleaved, so that both see the same background load on a shared machine.
        var directTimes = new List<double>();
        var wrappedTimes = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            directTimes.Add(Time(cli, project, $"direct {i}", report));
            if (wrapper is not null) wrappedTimes.Add(Time(wrapper, project, $"wrapper {i}", report));
        }
        var direct = new Samples(directTimes);
        Samples? wrapped = wrapper is null ? null : new Samples(wrappedTimes);
        context.Log($"cli: direct median {Fmt.Ms(direct.Median)}, p95 {Fmt.Ms(direct.P95)}, min {Fmt.Ms(direct.Min)}");
        if (wrapped is not null) context.Log($"cli: wrapper median {Fmt.Ms(wrapped.Median)}, p95 {Fmt.Ms(wrapped.P95)}, min {Fmt.Ms(wrapped.Min)}");

        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = "bench-verify" }))
        {
            int expected = 1 + runs + (wrapped is null ? 0 : runs + 1);
            int found = p.OpsLog.Read(new OpsLogQuery { Limit = 0 }).Count;
            if (found != expected) report.Fail($"cli: expected {expected} entries after the runs, found {found}");
        }
        context.Discard(project);

        report.Row(new SummaryRow("one `fastband ops write` process, wall time: median / p95 / min",
            $"{Fmt.Ms(direct.Median)} / {Fmt.Ms(direct.P95)} / {Fmt.Ms(direct.Min)}", "", "", "median ≤ 150 ms", direct.Median <= TargetMs));
        if (wrapped is not null)
            report.Row(new SummaryRow("the same through `./fastband` (wrapper): median / p95 / min",
                $"{Fmt.Ms(wrapped.Median)} / {Fmt.Ms(wrapped.P95)} / {Fmt.Ms(wrapped.Min)}", "", "", $"(wrapper adds {Fmt.Ms(wrapped.Median - direct.Median)} at the median)", null));

        string wrapperRow = wrapped is null ? "" :
            $"| `./fastband ops write ...` (wrapper, from a mirror) | {wrapped.Count} | {Fmt.Ms(wrapped.Median)} | {Fmt.Ms(wrapped.P95)} | {Fmt.Ms(wrapped.Min)} | {Fmt.Ms(wrapped.Max)} | {Fmt.Ms(wrapped.Mean)} |";
        report.Section("Wall time of one `fastband ops write` process", $"""
            `{cli} --project <temp> --agent cli-bench ops write --type general --message "cli bench N"`, timed from
            Process.Start to exit by the bench (so the figure includes fork/exec and .NET start-up), one process at a
            time, {runs} runs after one untimed first run (which created the store: {Fmt.Ms(first)}); direct and wrapper
            runs alternate, so both see the same background load. Every run must
            exit 0, and the entries are counted afterwards. {wrapperNote}

            | how | runs | median | p95 | min | max | mean |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: |
            | published executable, direct | {direct.Count} | {Fmt.Ms(direct.Median)} | {Fmt.Ms(direct.P95)} | {Fmt.Ms(direct.Min)} | {Fmt.Ms(direct.Max)} | {Fmt.Ms(direct.Mean)} |
            {wrapperRow}
            """);
    }

    private static double Time(string executable, string project, string label, Report report)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "--project", project, "--agent", "cli-bench", "ops", "write", "--type", "general", "--message", $"cli bench {label}" })
            psi.ArgumentList.Add(a);
        long t0 = Stopwatch.GetTimestamp();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (p.ExitCode != 0)
            report.Fail($"cli: '{label}' exited {p.ExitCode}: {stderr.Result.Trim()} {stdout.Result.Trim()}");
        else if (stderr.Result.Contains("building", StringComparison.OrdinalIgnoreCase))
            report.Fail($"cli: '{label}' rebuilt the CLI during the measurement: {stderr.Result.Trim()}");
        return ms;
    }

    /// <summary>
    /// A copy of what the wrapper looks at: the script, Directory.Build.props, src/Fastband.Core and src/Fastband.Cli
    /// (with bin/obj, so that its <c>find</c> walks as many files as in the real checkout), and the published CLI in
    /// .build/cli with a stamp newer than every copied file.
    /// </summary>
    private static string MirrorRepository(BenchContext context, string repo, string cliDirectory)
    {
        string mirror = context.NewDirectory("wrapper-mirror");
        CopyFile(Path.Combine(repo, "fastband"), Path.Combine(mirror, "fastband"));
        CopyFile(Path.Combine(repo, "Directory.Build.props"), Path.Combine(mirror, "Directory.Build.props"));
        foreach (string project in new[] { "Fastband.Core", "Fastband.Cli" })
            CopyTree(Path.Combine(repo, "src", project), Path.Combine(mirror, "src", project));
        CopyTree(cliDirectory, Path.Combine(mirror, ".build", "cli"));
        string stamp = Path.Combine(mirror, ".build", "cli", ".built");
        File.WriteAllText(stamp, "");
        File.SetLastWriteTimeUtc(stamp, DateTime.UtcNow);
        int files = Directory.EnumerateFileSystemEntries(Path.Combine(mirror, "src"), "*", SearchOption.AllDirectories).Count();
        context.Log($"cli: mirrored the wrapper's inputs into {mirror} ({files.ToString(CultureInfo.InvariantCulture)} entries under src/)");
        return mirror;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            try
            {
                CopyFile(file, Path.Combine(to, Path.GetRelativePath(from, file)));
            }
            catch (IOException)
            {
                // A concurrent build may delete files as we copy; a missing file only makes find's walk shorter.
            }
        }
    }

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
        // Keep the source's mtime, so the stamp written afterwards is newer than everything.
        File.SetLastWriteTimeUtc(to, File.GetLastWriteTimeUtc(from));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(to, File.GetUnixFileMode(from));
    }
}
