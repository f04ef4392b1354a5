using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Fastband.Bench;

/// <summary>Where a run keeps its throw-away projects, and what it knows about the machine.</summary>
public sealed class BenchContext : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _dirs;

    private BenchContext(Options options, string workRoot, bool keep, string? repoRoot)
    {
        Options = options;
        WorkRoot = workRoot;
        Keep = keep;
        RepoRoot = repoRoot;
    }

    public Options Options { get; }
    public string WorkRoot { get; }
    public bool Keep { get; }
    public string? RepoRoot { get; }

    /// <summary>
    /// The published fastband the suite times (--cli, else the checkout's .build/cli/fastband) as a full path, or null
    /// after failing the report with how to get one.
    /// </summary>
    public string? PublishedCli(Report report, string suite)
    {
        string? cli = Options.Get("cli") ?? (RepoRoot is { } r ? Path.Combine(r, ".build", "cli", "fastband") : null);
        if (cli is not null && File.Exists(cli)) return Path.GetFullPath(cli);
        report.Fail($"{suite}: no published fastband at '{cli}': run './fastband --help' once (it builds .build/cli/) or pass --cli PATH");
        return null;
    }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public TimeSpan Elapsed => _clock.Elapsed;

    public static BenchContext Create(Options options)
    {
        string work = options.Get("work") is { } w
            ? Path.GetFullPath(w)
            : Path.Combine(Path.GetTempPath(), $"fastband-bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        string? repo = options.Get("repo") is { } r ? Path.GetFullPath(r) : FindRepoRoot();
        var context = new BenchContext(options, work, options.Flag("keep") || options.Get("work") is not null, repo);
        context.Log($"work folder {work}{(context.Keep ? " (kept)" : " (deleted at the end)")}");
        return context;
    }

    private static string? FindRepoRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "fastband"))
                    && Directory.Exists(Path.Combine(dir.FullName, "src", "Fastband.Core")))
                    return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>A new empty folder under the work root.</summary>
    public string NewDirectory(string name)
    {
        string path = Path.Combine(WorkRoot, $"{Interlocked.Increment(ref _dirs):00}-{name}");
        Directory.CreateDirectory(path);
        return path;
    }

    public void Log(string message) =>
        Console.Error.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    /// <summary>Deletes a folder that a measurement no longer needs (large files), unless --keep.</summary>
    public void Discard(string path)
    {
        if (Keep) return;
        try { Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        if (!Keep)
        {
            try { Directory.Delete(WorkRoot, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // ---------------------------------------------------------------- the machine

    /// <summary>The 1, 5 and 15-minute load averages: the machine is shared, so say how busy it was.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }

    public string StartLoadAverage { get; } = LoadAverage();

    public string DescribeMachine()
    {
        var text = new StringBuilder();
        text.AppendLine($"- started {StartedAt:yyyy-MM-dd HH:mm:ss} UTC; load average (1/5/15 min) {StartLoadAverage} at the start, {LoadAverage()} at the end");
        text.AppendLine($"- {Environment.ProcessorCount} logical processors ({CpuModel() ?? "cpu model unknown"}), {MemoryTotal() ?? "memory unknown"}");
        text.AppendLine($"- {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}), {RuntimeInformation.FrameworkDescription} for the bench; SQLite {SqliteVersion()} (bundled e_sqlite3){SleepGranularity()}");
        text.AppendLine($"- work folder {WorkRoot} on {FileSystemOf(WorkRoot) ?? "an unknown file system"}");
        if (RepoRoot is not null) text.AppendLine($"- sources: {GitState(RepoRoot)}");
        return text.ToString();
    }

    /// <summary>The commit the Core was built from, and whether src/ had uncommitted changes.</summary>
    private static string GitState(string repo)
    {
        string? Git(params string[] args)
        {
            try
            {
                var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                psi.ArgumentList.Add("-C");
                psi.ArgumentList.Add(repo);
                foreach (string a in args) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi);
                if (p is null) return null;
                string output = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                return p.ExitCode == 0 ? output.Trim() : null;
            }
            catch (System.ComponentModel.Win32Exception) { return null; }
        }

        string? head = Git("rev-parse", "--short", "HEAD");
        if (head is null) return "not a git checkout";
        string? dirty = Git("status", "--porcelain", "--", "src");
        return $"commit {head}" + (string.IsNullOrEmpty(dirty) ? ", src/ clean" : $", src/ with uncommitted changes ({dirty.Split('\n').Length} files)");
    }

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? MemoryTotal()
    {
        try
        {
            string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is null) return null;
            long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return $"{kb / 1024.0 / 1024.0:0.0} GiB RAM";
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? FileSystemOf(string path)
    {
        try
        {
            // The longest mount point that is a prefix of the path.
            var best = File.ReadLines("/proc/mounts")
                .Select(l => l.Split(' '))
                .Where(f => f.Length > 2 && (path == f[1] || path.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
                .OrderByDescending(f => f[1].Length)
                .FirstOrDefault();
            return best is null ? null : $"{best[2]} ({best[0]} mounted at {best[1]})";
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    [DllImport("e_sqlite3", EntryPoint = "sqlite3_sleep")]
    private static extern int Sqlite3Sleep(int milliseconds);

    /// <summary>
    /// What sqlite3_sleep(1) really sleeps. Built without HAVE_USLEEP, SQLite sleeps whole seconds, and so does its
    /// busy handler: a writer that finds the database locked waits 1 s before it tries again.
    /// </summary>
    private static string SleepGranularity()
    {
        try
        {
            SQLitePCL.Batteries_V2.Init();
            long t0 = Stopwatch.GetTimestamp();
            int reported = Sqlite3Sleep(1);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            return $"; sqlite3_sleep(1) returned {reported} and took {ms:0} ms" +
                   (reported >= 1000 ? " (built without HAVE_USLEEP: the busy handler retries once a second)" : "");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "";
        }
    }

    private static string SqliteVersion()
    {
        try
        {
            SQLitePCL.Batteries_V2.Init();
            using var c = new SqliteConnection("Data Source=:memory:");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT sqlite_version();";
            return cmd.ExecuteScalar()?.ToString() ?? "?";
        }
        catch (SqliteException) { return "?"; }
    }
}
