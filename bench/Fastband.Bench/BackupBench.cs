using System.Diagnostics;

using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Fastband.Core;
using Fastband.Core.Backup;
using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib.Tar;

namespace Fastband.Bench;

/// <summary>
/// The Backup Manager on a generated tree (about 20k files, a few hundred MB, a git history), against the
/// baselines the issue names, in one run: tar -czf, git status, hashing every file (the seed's change
/// detection), tar -xzf; and SharpZipLib against System.Formats.Tar + GZipStream for the archives.
/// </summary>
public static class BackupBench
{
    public static void Run(BenchContext context, Report report)
    {
        int files = context.Options.Int("backup-files", 20_000);
        string root = context.NewDirectory("backup-tree");
        var gen = Stopwatch.StartNew();
        long bytes = Generate(root, files);
        Git(root, "init", "-q");
        Git(root, "config", "gc.auto", "0"); // no background repacking while the baselines read .git
        Git(root, "config", "maintenance.auto", "false");
        Git(root, "add", "-A");
        Git(root, "-c", "user.email=b@b", "-c", "user.name=bench", "commit", "-qm", "tree");
        for (int i = 0; i < 5; i++)
        {
            File.AppendAllText(Path.Combine(root, "src", "m0", "p0", "f0" + Extensions[0]), $"edit {i}\n");
            Git(root, "-c", "user.email=b@b", "-c", "user.name=bench", "commit", "-qam", $"edit {i}");
        }
        context.Log($"backup: generated {files:N0} files, {bytes / (1 << 20):N0} MiB, git history, in {gen.Elapsed.TotalSeconds:F1} s");
        DropCaches(root);

        // 1. Full backup against tar -czf of the same content (the tree and .git, not .fastband).
        string tarFile = Path.Combine(context.NewDirectory("backup-tar"), "all.tar.gz");
        double tarCz = Time(() => Sh("tar", "-czf", tarFile, "--exclude=./.fastband", "-C", root, "."));
        double full;
        BackupResult first;
        using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = root, Agent = "bench", Environment = _ => null }))
        {
            var sw = Stopwatch.StartNew();
            first = project.Backups.Create(new BackupRequest { Force = true, Components = new[] { "code", "data", "git" } });
            full = sw.Elapsed.TotalMilliseconds;
        }
        if (!first.Created) report.Fail("backup: the full backup was not created");
        long ourBytes = first.Backup?.SizeBytes ?? 0;
        long tarBytes = new FileInfo(tarFile).Length;

        // 2. A re-run with nothing changed, against git status and against hashing every file.
        var rerunMs = new List<double>();
        var gitStatusMs = new List<double>();
        var hashAllMs = new List<double>();
        var seedMs = new List<double>();
        string? seedScript = context.RepoRoot is { } repo ? Path.Combine(repo, "bench", "baselines", "seed_content_hash.py") : null;
        bool python = seedScript is not null && File.Exists(seedScript) && CanRun("python3", "--version");
        // The same re-run as a user's `fastband backup create` process pays it: .NET start-up and JIT included.
        string? cli = context.Options.Get("cli") ?? (context.RepoRoot is { } repoRoot ? Path.Combine(repoRoot, ".build", "cli", "fastband") : null);
        var cliMs = new List<double>();
        if (cli is null || !File.Exists(cli)) context.Log($"backup: no published CLI at '{cli}' (run './fastband --help' once): the CLI process is not measured");
        for (int i = 0; i < 5; i++)
        {
            using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = root, Agent = "bench", Environment = _ => null }))
            {
                var sw = Stopwatch.StartNew();
                var r = project.Backups.Create(new BackupRequest { Components = new[] { "code", "data", "git" } });
                rerunMs.Add(sw.Elapsed.TotalMilliseconds);
                if (!r.Skipped) report.Fail($"backup: the unchanged re-run {i} was not skipped: {r.Reason}");
            }
            if (cli is not null && File.Exists(cli))
                cliMs.Add(Time(() => Sh(cli, "--project", root, "--agent", "bench", "backup", "create", "--components", "code,data,git")));
            gitStatusMs.Add(Time(() => Sh("git", "-C", root, "--no-optional-locks", "status", "--porcelain")));
            hashAllMs.Add(Time(() => HashEverything(root)));
            if (python) seedMs.Add(Time(() => Sh("python3", seedScript!, root)));
        }

        // The same two, each after dropping the page cache: what a first run after a reboot, or a tree larger than
        // memory, pays. (Skipped where /proc/sys/vm/drop_caches is not writable.)
        double? coldRerun = null, coldHash = null, coldGit = null, coldSeed = null;
        if (DropCaches(root))
        {
            using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = root, Agent = "bench", Environment = _ => null }))
                coldRerun = Time(() => { if (!project.Backups.Create(new BackupRequest { Components = new[] { "code", "data", "git" } }).Skipped) report.Fail("backup: cold re-run not skipped"); });
            DropCaches(root);
            coldGit = Time(() => Sh("git", "-C", root, "--no-optional-locks", "status", "--porcelain"));
            DropCaches(root);
            coldHash = Time(() => HashEverything(root));
            if (python)
            {
                DropCaches(root);
                coldSeed = Time(() => Sh("python3", seedScript!, root));
            }
        }
        var rerun = new Samples(rerunMs);
        var gitStatus = new Samples(gitStatusMs);
        var hashAll = new Samples(hashAllMs);
        var seed = seedMs.Count > 0 ? new Samples(seedMs) : null;
        if (!python) context.Log("backup: python3 or bench/baselines/seed_content_hash.py is missing: the seed's own change detection is not measured");

        // 3. Restore into an empty folder, against tar -xzf.
        var restoreMs = new List<double>();
        var untarMs = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            string into = context.NewDirectory($"restore-{i}");
            using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = root, Agent = "bench", Environment = _ => null }))
            {
                var sw = Stopwatch.StartNew();
                var r = project.Backups.Restore(new RestoreRequest { BackupId = first.Backup!.Id, Components = new[] { "code", "data", "git" }, Destination = into });
                restoreMs.Add(sw.Elapsed.TotalMilliseconds);
                if (r.Created < files) report.Fail($"backup: restore {i} created {r.Created} files, fewer than the {files} generated");
            }
            string plain = context.NewDirectory($"untar-{i}");
            untarMs.Add(Time(() => Sh("tar", "-xzf", tarFile, "-C", plain)));
            context.Discard(into);
            context.Discard(plain);
        }

        var restore = new Samples(restoreMs);
        var untar = new Samples(untarMs);

        // 4. SharpZipLib against System.Formats.Tar + GZipStream, same files, same compression level.
        var list = Directory.EnumerateFiles(Path.Combine(root, "src"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).ToList();
        string lib = context.NewDirectory("libs");
        var sysMs = new List<double>();
        var szlMs = new List<double>();
        long sysBytes = 0, szlBytes = 0;
        for (int i = 0; i < 3; i++)
        {
            string a = Path.Combine(lib, $"sys-{i}.tar.gz"), b = Path.Combine(lib, $"szl-{i}.tar.gz");
            sysMs.Add(Time(() => TarArchives.Write(a, root, list.Select(p => p.Replace('\\', '/')).ToList(), CompressionLevel.Fastest)));
            szlMs.Add(Time(() => WriteSharpZipLib(b, root, list)));
            sysBytes = new FileInfo(a).Length;
            szlBytes = new FileInfo(b).Length;
        }

        var sys = new Samples(sysMs);
        var szl = new Samples(szlMs);
        report.Row(new SummaryRow($"full backup of {files:N0} files / {bytes / (1 << 20):N0} MiB + git: wall time", Fmt.Ms(full), $"tar -czf: {Fmt.Ms(tarCz)}", Fmt.Ratio(full / tarCz), "≤ 1.0x tar -czf", full <= tarCz));
        double seedBase = seed?.Median ?? hashAll.Median;
        report.Row(new SummaryRow("re-run with nothing changed (skipped): median", Fmt.Ms(rerun.Median),
            $"git status: {Fmt.Ms(gitStatus.Median)}; the seed's change detection: {(seed is null ? "not run" : Fmt.Ms(seed.Median))}; SHA-256 of every file in C#: {Fmt.Ms(hashAll.Median)}",
            $"{Fmt.Ratio(rerun.Median / gitStatus.Median)} of git status; {Fmt.Ratio(seedBase / rerun.Median)} faster than the seed's; {Fmt.Ratio(hashAll.Median / rerun.Median)} faster than hashing in C#",
            "≤ git status and ≥ 20x faster than the seed's change detection",
            rerun.Median <= gitStatus.Median && seedBase / rerun.Median >= 20));
        report.Row(new SummaryRow("restore into an empty folder: median", Fmt.Ms(restore.Median), $"tar -xzf: {Fmt.Ms(untar.Median)}", Fmt.Ratio(restore.Median / untar.Median), "≤ 1.2x tar -xzf", restore.Median <= 1.2 * untar.Median));
        report.Row(new SummaryRow("archive writer for src/ (fastest level): median", $"System.Formats.Tar + GZipStream: {Fmt.Ms(sys.Median)}, {Fmt.Bytes(sysBytes)}",
            $"SharpZipLib: {Fmt.Ms(szl.Median)}, {Fmt.Bytes(szlBytes)}", Fmt.Ratio(szl.Median / sys.Median), "keep the faster", null));
        report.Section("Backups", $"""
            Tree: {files:N0} files ({bytes / (1 << 20):N0} MiB: small text files under src/m*/, 1 MiB files half random and half text,
            a data/ folder) with a git history of 6 commits. Page cache dropped (`echo 3 > /proc/sys/vm/drop_caches` where allowed) before the first backup.

            | measurement | Fastband | baseline | ratio |
            | --- | ---: | ---: | ---: |
            | full backup (code + data + git, forced) | {Fmt.Ms(full)}, {Fmt.Bytes(ourBytes)} | `tar -czf` (tree + .git): {Fmt.Ms(tarCz)}, {Fmt.Bytes(tarBytes)} | {Fmt.Ratio(full / tarCz)} |
            | re-run, nothing changed (5 runs, median / max) | {Fmt.Ms(rerun.Median)} / {Fmt.Ms(rerun.Max)} | `git status --porcelain`: {Fmt.Ms(gitStatus.Median)} | {Fmt.Ratio(rerun.Median / gitStatus.Median)} |
            | the same re-run through the CLI: one `fastband backup create` process, .NET start-up included (5 runs, median) | {(cliMs.Count == 0 ? "not run" : Fmt.Ms(new Samples(cliMs).Median))} | `git status --porcelain`: {Fmt.Ms(gitStatus.Median)} | {(cliMs.Count == 0 ? "" : Fmt.Ratio(new Samples(cliMs).Median / gitStatus.Median))} |
            | the seed's change detection (`python3 bench/baselines/seed_content_hash.py`: 8 rglob walks, MD5 of every matching file) |  | {(seed is null ? "not run" : Fmt.Ms(seed.Median))} | {(seed is null ? "" : Fmt.Ratio(seed.Median / rerun.Median) + " slower than ours")} |
            | stricter: SHA-256 of every file in C#, one walk, one thread |  | {Fmt.Ms(hashAll.Median)} | {Fmt.Ratio(hashAll.Median / rerun.Median)} slower than ours |
            | cold page cache: re-run, nothing changed / `git status` / the seed's / SHA-256 in C# | {(coldRerun is { } cr ? Fmt.Ms(cr) : "n/a")} | git status {(coldGit is { } cg ? Fmt.Ms(cg) : "n/a")}; the seed's {(coldSeed is { } cs ? Fmt.Ms(cs) : "n/a")}; SHA-256 {(coldHash is { } ch ? Fmt.Ms(ch) : "n/a")} | {(coldRerun is { } r1 && coldHash is { } h1 ? Fmt.Ratio(h1 / r1) + " faster than hashing" : "")}{(coldRerun is { } r2 && coldGit is { } g2 ? "; " + Fmt.Ratio(r2 / g2) + " of git status" : "")} |
            | restore into an empty folder (3 runs, median) | {Fmt.Ms(restore.Median)} | `tar -xzf`: {Fmt.Ms(untar.Median)} | {Fmt.Ratio(restore.Median / untar.Median)} |
            | archive src/ with System.Formats.Tar + GZipStream vs SharpZipLib (3 runs, median) | {Fmt.Ms(sys.Median)}, {Fmt.Bytes(sysBytes)} | {Fmt.Ms(szl.Median)}, {Fmt.Bytes(szlBytes)} | {Fmt.Ratio(szl.Median / sys.Median)} |
            """);
    }

    // A source tree's mix: mostly kinds the seed's change detection hashes, some it does not.
    private static readonly string[] Extensions = { ".py", ".js", ".ts", ".json", ".html", ".css", ".yaml", ".md", ".txt", ".py" };

    private static long Generate(string root, int count)
    {
        var rng = new Random(42);
        long total = 0;
        var words = "alpha beta gamma delta agent lock lease token backup restore ops hold clearance rebuild ticket".Split(' ');
        for (int i = 0; i < count; i++)
        {
            bool big = i % 100 == 0;
            string dir = i % 10 == 9 ? Path.Combine(root, "data", $"d{i % 7}") : Path.Combine(root, "src", $"m{i % 97}", $"p{i % 13}");
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, $"f{i}{Extensions[i % Extensions.Length]}");
            if (big && i % 200 == 0)
            {
                var buffer = new byte[1 << 20];
                rng.NextBytes(buffer);
                File.WriteAllBytes(path, buffer);
                total += buffer.Length;
            }
            else
            {
                var sb = new StringBuilder();
                int size = big ? 1 << 20 : rng.Next(2_000, 12_000);
                while (sb.Length < size) sb.Append(words[rng.Next(words.Length)]).Append(rng.Next(1000)).Append(rng.Next(8) == 0 ? '\n' : ' ');
                File.WriteAllText(path, sb.ToString());
                total += sb.Length;
            }
        }
        return total;
    }

    private static void HashEverything(string root)
    {
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (f.Contains(Path.DirectorySeparatorChar + ".git" + Path.DirectorySeparatorChar) || f.Contains(Path.DirectorySeparatorChar + ".fastband" + Path.DirectorySeparatorChar)) continue;
            using var s = File.OpenRead(f);
            SHA256.HashData(s);
        }
    }

    private static void WriteSharpZipLib(string archive, string root, IReadOnlyList<string> files)
    {
        using var output = File.Create(archive);
        using var gzip = new GZipOutputStream(output) { IsStreamOwner = false };
        gzip.SetLevel(1);
        using var tar = new TarOutputStream(gzip, Encoding.UTF8) { IsStreamOwner = false };
        foreach (string rel in files)
        {
            string full = Path.Combine(root, rel);
            var entry = ICSharpCode.SharpZipLib.Tar.TarEntry.CreateEntryFromFile(full);
            entry.Name = rel.Replace('\\', '/');
            tar.PutNextEntry(entry);
            using (var input = File.OpenRead(full)) input.CopyTo(tar);
            tar.CloseEntry();
        }
    }

    private static bool DropCaches(string root)
    {
        Sh("sync");
        try
        {
            File.WriteAllText("/proc/sys/vm/drop_caches", "3");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static void Git(string root, params string[] args) => Sh("git", new[] { "-C", root }.Concat(args).ToArray());

    private static bool CanRun(string file, string arg)
    {
        try { Sh(file, arg); return true; }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return false; }
    }

    private static void Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        _ = stdout.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err}");
    }
}
