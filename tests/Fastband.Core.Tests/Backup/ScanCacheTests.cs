using System.Diagnostics;
using System.Text;
using Fastband.Core.Backup;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Backup;

/// <summary>
/// The unchanged re-run answered from the cache (no file list, no string per file), the two tree listers
/// that feed it, and the binary cache file: every kind of change must still be seen, and a damaged or old
/// cache must only cost a full re-read.
/// </summary>
public sealed class ScanCacheTests : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly ITestOutputHelper _output;

    public ScanCacheTests(ITestOutputHelper output)
    {
        _output = output;
        for (int i = 0; i < 60; i++) Write($"src/m{i % 4}/f{i}.py", $"x = {i}\n");
        Write("README.md", "# demo\n");
        Write("package.json", "{ \"name\": \"demo\" }\n");
        Write("data/records.csv", "a,b\n1,2\n");
        Run("git", "init", "-q");
        Run("git", "add", "-A");
        Run("git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "first");
    }

    public void Dispose() => _dir.Dispose();

    private string CachePath => ScanCache.PathIn(Path.Combine(_dir.StateDir, "backups", ".state"));

    private void Write(string rel, string text)
    {
        string path = Path.Combine(_dir.Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = _dir.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var r = ChildProcess.Run(psi);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    /// <summary>Every file an hour old: outside the racy window, so the cache may vouch for all of them.</summary>
    private void AgeEverything()
    {
        var old = DateTime.UtcNow.AddHours(-1);
        foreach (string f in Directory.EnumerateFiles(_dir.Root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.git/") && !f.Contains("/.fastband/")))
            File.SetLastWriteTimeUtc(f, old);
    }

    private BackupResult Create()
    {
        using var p = _dir.Open("scan-agent");
        return p.Backups.Create(new BackupRequest());
    }

    private ProjectScan Scan()
    {
        using var p = _dir.Open("scan-agent");
        return ProjectScan.Run(_dir.Root, p.Backups.Config, p.Backups.Config.Components, ScanCache.Load(CachePath));
    }

    [Theory]
    [InlineData("edit")]
    [InlineData("same-size-edit")]
    [InlineData("add")]
    [InlineData("delete")]
    [InlineData("rename")]
    [InlineData("delete-one-add-another")]
    [InlineData("file-becomes-link")]
    [InlineData("data")]
    [InlineData("config")]
    [InlineData("exclude-setting")]
    public void Every_kind_of_change_is_seen_by_the_cached_comparison(string change)
    {
        AgeEverything();
        Assert.True(Create().Created);
        var unchanged = Scan();
        Assert.True(unchanged.FromCache, "an unchanged old tree should be answered from the cache");
        Assert.True(Create().Skipped);

        string F(string rel) => Path.Combine(_dir.Root, rel);
        var stamp = DateTime.UtcNow.AddMinutes(-30); // still outside the racy window: only the cache comparison can see it
        switch (change)
        {
            case "edit": Write("src/m1/f1.py", "x = 'longer now'\n"); break;
            case "same-size-edit": Write("src/m1/f1.py", "x = 9\n"); break;
            case "add": Write("src/m2/new.py", "y = 1\n"); break;
            case "delete": File.Delete(F("src/m3/f3.py")); break;
            case "rename": File.Move(F("src/m0/f0.py"), F("src/m0/g0.py")); break;
            case "delete-one-add-another": File.Delete(F("src/m0/f4.py")); Write("src/m1/other.py", "x = 4\n"); break;
            case "file-becomes-link":
                // The link gets the file's size (its target's length) and mtime: only the kind tells them apart.
                string path = F("src/m2/f2.py");
                var was = (Length: new FileInfo(path).Length, Mtime: File.GetLastWriteTimeUtc(path));
                File.Delete(path);
                File.CreateSymbolicLink(path, new string('t', (int)was.Length));
                long sinceEpoch = was.Mtime.Ticks - DateTime.UnixEpoch.Ticks;
                Run("touch", "-h", "-d", $"@{sinceEpoch / TimeSpan.TicksPerSecond}.{sinceEpoch % TimeSpan.TicksPerSecond:D7}", path);
                var link = new FileInfo(path);
                Assert.Equal(was, (link.Length, link.LastWriteTimeUtc));
                break;
            case "data": Write("data/records.csv", "a,b\n1,3\n"); break;
            case "config": Write("package.json", "{ \"name\": \"other\" }\n"); break;
            case "exclude-setting": Write(".fastband/backup_config.yaml", "exclude_patterns:\n  - '*.md'\n"); break;
        }
        foreach (string rel in new[] { "src/m1/f1.py", "src/m2/new.py", "src/m0/g0.py", "src/m1/other.py", "data/records.csv", "package.json" })
            if (File.Exists(F(rel))) File.SetLastWriteTimeUtc(F(rel), stamp);

        var scan = Scan();
        Assert.False(scan.FromCache, $"{change}: the cache vouched for a changed tree");
        var result = Create();
        Assert.True(result.Created, $"{change}: {result.Reason}");
    }

    [Fact]
    public void The_cached_comparison_and_the_full_scan_agree_on_every_hash()
    {
        AgeEverything();
        Assert.True(Create().Created);
        var cached = Scan();
        Assert.True(cached.FromCache);
        using var p = _dir.Open("scan-agent");
        var full = ProjectScan.Run(_dir.Root, p.Backups.Config, p.Backups.Config.Components, new ScanCache());
        Assert.False(full.FromCache);
        Assert.Equal(full.FilesHash, cached.FilesHash);
        Assert.Equal(full.ContentHash, cached.ContentHash);
        Assert.Equal(full.Signature, cached.Signature);
        // The file lists, made from the cache only when asked for, are the full scan's.
        Assert.Equal(full.AllFiles.Select(f => (f.Path, f.Size, f.MtimeTicks, f.Sha256)), cached.AllFiles.Select(f => (f.Path, f.Size, f.MtimeTicks, f.Sha256)));
    }

    [Fact]
    public void The_native_and_the_runtime_listers_report_the_same_files_sizes_times_and_links()
    {
        if (!OperatingSystem.IsLinux()) { _output.WriteLine("not run: the native lister exists on Linux only"); return; }
        Assert.True(NativeTreeWalk.Available, "glibc with statx is expected on the Linux machines this runs on");
        Write("src/.hidden", "dot file");
        Write("src/empty.txt", "");
        Write("src/deep/a/b/c/d/e/f/g/h.txt", "deep");
        Write("src/node_modules/skip.js", "excluded folder");
        Write("src/trace.log", "excluded by suffix");
        Write("src/ünïcødé/名前.txt", "non-ASCII names");
        File.CreateSymbolicLink(Path.Combine(_dir.Root, "src/link-to-file"), "m0/f0.py");
        File.CreateSymbolicLink(Path.Combine(_dir.Root, "src/broken-link"), "nowhere");
        Directory.CreateSymbolicLink(Path.Combine(_dir.Root, "src/link-to-folder"), Path.Combine(_dir.Root, "src/m1"));
        Directory.CreateDirectory(Path.Combine(_dir.Root, "src/empty-folder"));
        Run("mkfifo", Path.Combine(_dir.Root, "src/a-fifo"));
        Run("bash", "-c", "printf 'bytes' > \"$0\"/src/$'\\xff\\xfe'bad-utf8", _dir.Root); // a name that is not UTF-8

        var excludes = new ExcludeRules(ExcludeRules.Defaults.Append("data"));
        List<(string, long, long, bool)> Walk(Walker walker)
        {
            var found = new System.Collections.Concurrent.ConcurrentBag<(string, long, long, bool)>();
            Assert.True(TreeWalk.Run(_dir.Root, "", excludes, (int _, ReadOnlySpan<char> rel, in FileFacts f) => { found.Add((rel.ToString(), f.Size, f.MtimeTicks, f.Link)); return true; }, walker));
            return found.OrderBy(x => x.Item1, StringComparer.Ordinal).ToList();
        }
        var managed = Walk(Walker.Managed);
        var native = Walk(Walker.Native);
        // A name that is not UTF-8 is listed by both, decoded the same way; only the native lister can stat it
        // (the runtime re-encodes the decoded name and finds nothing), and the scan refuses it by name either way.
        static bool Undecodable((string Rel, long, long, bool) x) => x.Rel.Contains('\uFFFD');
        Assert.Equal(managed.Where(Undecodable).Select(x => x.Item1), native.Where(Undecodable).Select(x => x.Item1));
        Assert.Equal(managed.Where(x => !Undecodable(x)), native.Where(x => !Undecodable(x)));
        var names = native.Select(x => x.Item1).ToList();
        Assert.Contains("src/link-to-folder", names);                 // listed as a link, not followed
        Assert.DoesNotContain("src/link-to-folder/f1.py", names);
        Assert.Contains(native, x => x.Item1 == "src/broken-link" && x.Item4);
        Assert.Contains("src/ünïcødé/名前.txt", names);
        Assert.Contains("src/a-fifo", names);
        Assert.DoesNotContain(names, n => n.Contains("node_modules") || n.EndsWith(".log") || n.StartsWith(".git/") || n.StartsWith("data/"));
        Assert.Contains(native, x => x.Item1.EndsWith("bad-utf8"));

        using var p = _dir.Open("scan-agent");
        var refused = Assert.Throws<InvalidInputException>(() => p.Backups.Create(new BackupRequest()));
        Assert.Contains("not valid UTF-8", refused.Message);
        Assert.Empty(p.Backups.List()); // nothing half made
    }

    [Fact]
    public void A_visitor_that_stops_the_walk_stops_every_worker()
    {
        for (int i = 0; i < 300; i++) Write($"src/wide/d{i}/f.txt", "x");
        foreach (var walker in NativeTreeWalk.Available ? new[] { Walker.Managed, Walker.Native } : new[] { Walker.Managed })
        {
            int seen = 0;
            bool finished = TreeWalk.Run(_dir.Root, "", new ExcludeRules(ExcludeRules.Defaults), (int _, ReadOnlySpan<char> _, in FileFacts _) => Interlocked.Increment(ref seen) < 5, walker);
            Assert.False(finished);
            Assert.True(seen < 50, $"{walker}: {seen} files visited after the stop");
        }
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("empty")]
    [InlineData("pointer-out-of-range")]
    public void A_damaged_cache_costs_a_full_reread_and_nothing_else(string damage)
    {
        AgeEverything();
        Assert.True(Create().Created);
        byte[] good = File.ReadAllBytes(CachePath);
        byte[] bad = damage switch
        {
            "garbage" => Encoding.UTF8.GetBytes("not a cache at all"),
            "truncated" => good[..(good.Length / 2)],
            "empty" => Array.Empty<byte>(),
            _ => PointPastText(good),
        };
        File.WriteAllBytes(CachePath, bad);
        var cache = ScanCache.Load(CachePath);
        Assert.Null(cache.LastBackupId);
        Assert.Empty(cache.Files);
        var scan = Scan();
        Assert.False(scan.FromCache);
        Assert.True(scan.FilesHashed > 60); // everything re-read
        Assert.True(Create().Created);     // with no record of the last backup, the run backs up, and writes a good cache
        Assert.True(Create().Skipped);
    }

    /// <summary>The same file with the first entry's path start moved far past the text block.</summary>
    private static byte[] PointPastText(byte[] good)
    {
        byte[] bad = (byte[])good.Clone();
        // The layout: magic, byte-order mark, six length-prefixed UTF-16 strings, the entry count, the entries.
        int at = "fastband-scan-cache 3\n".Length + 4;
        for (int i = 0; i < 6; i++) at += 4 + 2 * Math.Max(0, BitConverter.ToInt32(bad, at));
        int firstEntry = at + 4;
        BitConverter.TryWriteBytes(bad.AsSpan(firstEntry + 24), 1 << 30); // Key, Size, Mtime, then PathStart
        return bad;
    }

    [Fact]
    public void The_text_cache_of_earlier_versions_is_read_once_and_replaced()
    {
        AgeEverything();
        var first = Create();
        Assert.True(first.Created);
        var current = ScanCache.Load(CachePath);
        // The same state as version 2 wrote it: header, one JSON line, F and B lines.
        var text = new StringBuilder("fastband-scan-cache 2\n");
        text.Append(System.Text.Json.JsonSerializer.Serialize(new { current.FilesHash, current.Signature, current.LastBackupContentHash, current.LastBackupId, current.LastBackupGit, current.LastBackupDatabase })).Append('\n');
        foreach (var f in current.Files.Values) text.Append($"F\t{f.Path}\t{f.Size}\t{f.MtimeTicks}\t{f.Sha256}\t1\n");
        text.Append("B\tsrc/gone.py\tabc123\n");
        string legacy = Path.Combine(Path.GetDirectoryName(CachePath)!, "scan.json");
        File.WriteAllText(legacy, text.ToString());
        File.Delete(CachePath);

        var loaded = ScanCache.Load(CachePath);
        Assert.Equal(first.Backup!.Id, loaded.LastBackupId);
        Assert.Equal(current.Files.Count, loaded.Files.Count);
        Assert.Equal("abc123", loaded.LastBackupFiles["src/gone.py"]);
        var again = Create();
        Assert.True(again.Skipped, again.Reason); // the upgrade does not cost a needless backup
        using (var p = _dir.Open("scan-agent"))
            Assert.Equal(1, p.Backups.Status().ChangesSinceLast.Deleted); // src/gone.py, which only the old file knew
    }

    [Fact]
    public void The_cache_file_is_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.True(Create().Created);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CachePath));
    }

    [Fact]
    public void Two_paths_with_the_same_key_are_told_apart_by_their_text()
    {
        // A forced collision: a decoy (src/b.py) stored under src/a.py's key, first in the probe sequence.
        ulong key = ScanIndex.KeyOf(ScanIndex.Code, "src/a.py");
        string text = "src/b.pyBBBBsrc/a.pyAAAA";
        var entries = new[]
        {
            new ScanIndex.Entry { Key = key, Size = 2, PathStart = 0, PathLength = 8, ShaStart = 8, ShaLength = 4, Component = ScanIndex.Code, Flags = ScanIndex.TextHashFlag },
            new ScanIndex.Entry { Key = key, Size = 1, PathStart = 12, PathLength = 8, ShaStart = 20, ShaLength = 4, Component = ScanIndex.Code, Flags = ScanIndex.TextHashFlag },
        };
        var index = new ScanIndex(entries, new byte[2 * ScanIndex.HashBytes], Array.Empty<ScanIndex.Other>(), text.ToCharArray());
        Assert.Equal("AAAA", index.HashOf(1));
        Assert.Equal(1, index.Find(ScanIndex.Code, "src/a.py"));  // the decoy has the key but not the path
        Assert.Equal(-1, index.Find(ScanIndex.Code, "src/b.py")); // b's own key leads nowhere
        Assert.Equal(-1, index.Find(ScanIndex.Data, "src/a.py")); // the component is part of the key and checked
        var built = ScanIndex.Build(new IReadOnlyList<ScannedFile>[]
        {
            new[] { new ScannedFile("src/a.py", 1, 0, "AAAA"), new ScannedFile("src/b.py", 2, 0, "BBBB") }, Array.Empty<ScannedFile>(), Array.Empty<ScannedFile>(),
        }, new Dictionary<string, string>());
        Assert.Equal("BBBB", built.FileAt(built.Find(ScanIndex.Code, "src/b.py")).Sha256); // not hex: kept as text
        string sha = new('c', 64);
        var hex = ScanIndex.Build(new IReadOnlyList<ScannedFile>[] { new[] { new ScannedFile("x", 1, 0, sha) }, Array.Empty<ScannedFile>(), Array.Empty<ScannedFile>() },
            new Dictionary<string, string>());
        Assert.Equal(0, hex.Entries[0].Flags & ScanIndex.TextHashFlag); // a SHA-256 is stored as 32 bytes
        Assert.Equal(sha, hex.HashOf(0));
    }

    /// <summary>
    /// A file listed and then deleted before it is read is left out of the scan. The negative control (the scan
    /// rethrowing instead, as it did before) failed this test with FileNotFoundException in 4 runs of 4.
    /// </summary>
    [Fact]
    public void Files_deleted_while_the_tree_is_scanned_are_left_out_not_fatal()
    {
        for (int i = 0; i < 4000; i++) Write($"src/churn/d{i % 200}/f{i}.txt", new string('x', 2000 + i % 3000));
        var all = Directory.GetFiles(Path.Combine(_dir.Root, "src/churn"), "*", SearchOption.AllDirectories).OrderBy(_ => Random.Shared.Next()).ToArray();
        using var p = _dir.Open("scan-agent");
        var config = p.Backups.Config;
        var components = new HashSet<string> { BackupComponent.Code };
        using var deleting = new ManualResetEventSlim();
        int deleted = 0;
        var deleter = new Thread(() =>
        {
            deleting.Wait();
            try { foreach (string f in all) { File.Delete(f); Interlocked.Increment(ref deleted); } }
            catch (IOException) { } // the test failed and its folder is gone
        });
        deleter.Start();
        var scans = new List<ProjectScan>();
        int deletedWhenFirstScanStarted = -1, deletedWhenLastScanEnded = -1;
        deleting.Set();
        try
        {
            while (deleter.IsAlive || scans.Count == 0)
            {
                if (deletedWhenFirstScanStarted < 0) deletedWhenFirstScanStarted = Volatile.Read(ref deleted);
                scans.Add(ProjectScan.Run(_dir.Root, config, components, new ScanCache())); // every file hashed: the widest window
                if (deleter.IsAlive) deletedWhenLastScanEnded = Volatile.Read(ref deleted);
            }
        }
        finally
        {
            deleter.Join();
        }
        // The scans ran while files were going: the deleter had not finished before the first one, nor started after the last.
        Assert.True(deletedWhenFirstScanStarted < all.Length && deletedWhenLastScanEnded > 0,
            $"no overlap: {deletedWhenFirstScanStarted} deleted before the first scan, {deletedWhenLastScanEnded} when the last ended");
        var churn = scans.SelectMany(s => s.Code).Where(f => f.Path.StartsWith("src/churn/")).ToList();
        Assert.All(churn, f => Assert.Equal(64, f.Sha256.Length)); // whatever was kept was read whole
        Assert.True(scans.Any(s => s.Code.Count(f => f.Path.StartsWith("src/churn/")) is > 0 and < 4000),
            "no scan saw the tree half deleted, so the race was not exercised");
        Assert.DoesNotContain(ProjectScan.Run(_dir.Root, config, components, new ScanCache()).Code, f => f.Path.StartsWith("src/churn/"));
    }
}
