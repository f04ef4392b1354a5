using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

public sealed class BackupServiceTests : IDisposable
{
    private readonly TempProject _dir = new();
    private ManualClock _clock = new();

    public BackupServiceTests()
    {
        Write("src/app.py", "print('hello')\n");
        Write("src/lib/util.py", "def f(): return 1\n");
        Write("README.md", "# demo\n");
        Write("package.json", "{ \"name\": \"demo\" }\n");
        Write("data/records.csv", "a,b\n1,2\n");
        Write("node_modules/x/index.js", "junk");
        Write("build.log", "noise");
        Git("init", "-q");
        Git("add", "-A");
        Git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "first");
    }

    public void Dispose() => _dir.Dispose();

    private void Write(string rel, string text)
    {
        string path = Path.Combine(_dir.Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Git(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = _dir.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var r = ChildProcess.Run(psi);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    private FastbandProject Open() => _dir.Open("backup-agent", _clock);

    private BackupResult Create(bool force = false, string type = BackupTypes.Manual, string[]? components = null)
    {
        using var p = Open();
        return p.Backups.Create(new BackupRequest { Force = force, Type = type, Components = components });
    }

    [Fact]
    public void A_backup_holds_the_components_with_checksums_and_is_listed()
    {
        var r = Create();
        Assert.True(r.Created);
        var m = r.Backup!.Manifest;
        Assert.Equal(new[] { "code", "config", "data", "git" }, m.Artifacts.Select(a => a.Component).OrderBy(c => c));
        Assert.All(m.Artifacts, a => Assert.Equal(TarArchives.Sha256Of(Path.Combine(r.Backup.Path, a.File)), a.Sha256));
        Assert.Equal("backup-agent", m.Agent);
        Assert.Equal(40, m.GitHead!.Length);
        Assert.Equal(Path.Combine(_dir.StateDir, "backups", "manual", m.Id), r.Backup.Path);

        var code = Entries(Path.Combine(r.Backup.Path, "code_backup.tar.gz"));
        Assert.Contains("src/app.py", code);
        Assert.Contains("package.json", code);
        Assert.DoesNotContain(code, e => e.StartsWith("node_modules") || e.StartsWith(".git/") || e.StartsWith(".fastband") || e.StartsWith("data/") || e.EndsWith(".log"));
        Assert.Equal(new[] { "data/records.csv" }, Entries(Path.Combine(r.Backup.Path, "data_backup.tar.gz")));
        Assert.Contains(".git/HEAD", Entries(Path.Combine(r.Backup.Path, "git_backup.tar.gz")));

        using var p = Open();
        var listed = Assert.Single(p.Backups.List());
        Assert.Equal(m.Id, listed.Id);
        Assert.Equal("manual: never pruned automatically", listed.RetentionReason);
    }

    private static List<string> Entries(string archive)
    {
        using var f = File.OpenRead(archive);
        using var gz = new GZipStream(f, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } e) names.Add(e.Name);
        return names;
    }

    [Fact]
    public void A_link_leading_outside_the_project_is_refused_at_backup_time_not_when_the_backup_is_needed()
    {
        string outside = Path.Combine(Path.GetTempPath(), "fastband-outside-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(outside);
        try
        {
            File.CreateSymbolicLink(Path.Combine(_dir.Root, "src", "inner"), "app.py");          // inside: fine
            File.CreateSymbolicLink(Path.Combine(_dir.Root, "src", "up"), "../package.json");   // inside, through ..
            var ok = Create();
            Assert.True(ok.Created);
            using (var p = Open()) // the inside links restore (the dry run would refuse the archive otherwise)
                Assert.True(p.Backups.Restore(new RestoreRequest { BackupId = ok.Backup!.Id, Components = new[] { "code" }, DryRun = true }).DryRun);

            Directory.CreateSymbolicLink(Path.Combine(_dir.Root, "src", "ext"), outside);          // absolute, outside
            var e = Assert.Throws<InvalidInputException>(() => Create(force: true));
            Assert.Equal("LinkOutsideProject", e.ErrorId);
            Assert.Contains("'src/ext' cannot be backed up", e.Message);
            File.Delete(Path.Combine(_dir.Root, "src", "ext"));
            File.CreateSymbolicLink(Path.Combine(_dir.Root, "src", "esc"), "inner/../../..");       // relative, climbs out through a link
            Assert.Equal("LinkOutsideProject", Assert.Throws<InvalidInputException>(() => Create(force: true)).ErrorId);
            using (var p = Open()) Assert.Single(p.Backups.List()); // the refused runs left nothing listed
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dir.StateDir, "backups", ".staging")));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Nothing_changed_means_no_backup_with_the_reason_and_force_overrides_it()
    {
        var first = Create();
        var again = Create();
        Assert.True(again.Skipped);
        Assert.Contains(first.Backup!.Id, again.Reason);
        Assert.True(Create(force: true).Created);
    }

    [Theory]
    [InlineData("edit")]
    [InlineData("add")]
    [InlineData("delete")]
    [InlineData("data")]
    [InlineData("commit")]
    public void Each_kind_of_change_makes_the_next_run_back_up(string change)
    {
        Create();
        _clock.Advance(TimeSpan.FromMinutes(1));
        switch (change)
        {
            case "edit": Write("src/app.py", "print('changed')\n"); break;
            case "add": Write("src/new.py", "x = 1\n"); break;
            case "delete": File.Delete(Path.Combine(_dir.Root, "README.md")); break;
            case "data": Write("data/records.csv", "a,b\n1,3\n"); break;
            case "commit": Git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "--allow-empty", "-qm", "second"); break;
        }
        using (var p = Open())
        {
            var status = p.Backups.Status();
            Assert.True(status.ChangesSinceLast.Any);
            if (change == "edit") Assert.Equal(1, status.ChangesSinceLast.Modified);
            if (change == "add") Assert.Equal(1, status.ChangesSinceLast.Added);
            if (change == "delete") Assert.Equal(1, status.ChangesSinceLast.Deleted);
            if (change == "commit") Assert.True(status.ChangesSinceLast.GitChanged);
        }
        Assert.True(Create().Created);
    }

    [Fact]
    public void File_names_with_tabs_spaces_and_backslashes_survive_the_scan_cache()
    {
        if (OperatingSystem.IsWindows()) return;
        // (A line break is legal in a name, but no archive can carry it: BackupPathTests holds the refusal.)
        Write("src/we\tird name\\x.txt", "odd but legal");
        Assert.True(Create().Created);
        var again = Create();
        Assert.True(again.Skipped, again.Reason); // the cache read back every name exactly
        File.WriteAllText(Path.Combine(_dir.Root, "src/we\tird name\\x.txt"), "changed!!!!!!");
        Assert.True(Create().Created);
    }

    [Fact]
    public void A_touched_but_identical_file_is_not_a_change()
    {
        Create();
        File.SetLastWriteTimeUtc(Path.Combine(_dir.Root, "src/app.py"), DateTime.UtcNow.AddMinutes(5));
        Assert.True(Create().Skipped);
    }

    [Fact]
    public void A_same_size_edit_in_the_same_clock_tick_as_the_cache_is_still_seen()
    {
        string file = Path.Combine(_dir.Root, "src/app.py");
        var mtime = File.GetLastWriteTimeUtc(file);
        Assert.True(Create().Created);
        File.WriteAllText(file, "print('HELLO')\n"); // same size
        File.SetLastWriteTimeUtc(file, mtime);       // and the same mtime, as a write within one tick would leave it
        var again = Create();
        Assert.True(again.Created, "a racily clean entry was trusted: " + again.Reason);
    }

    [Fact]
    public void Outside_the_racy_window_size_and_mtime_are_trusted_as_git_trusts_them()
    {
        // The negative control of the test above: the same edit to a file whose mtime is old is not seen,
        // which is the documented limit of deciding by size and mtime (git, rsync and restic share it).
        string file = Path.Combine(_dir.Root, "src/app.py");
        var old = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(file, old);
        Assert.True(Create().Created);
        File.WriteAllText(file, "print('HELLO')\n");
        File.SetLastWriteTimeUtc(file, old);
        Assert.True(Create().Skipped);
    }

    [Fact]
    public void An_unchanged_rerun_reads_no_file_and_does_not_rewrite_the_cache()
    {
        foreach (string f in Directory.EnumerateFiles(_dir.Root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.git/")))
            File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddHours(-1));
        Assert.True(Create().Created);
        string cachePath = ScanCache.PathIn(Path.Combine(_dir.StateDir, "backups", ".state"));
        var written = File.GetLastWriteTimeUtc(cachePath);
        var cache = ScanCache.Load(cachePath);
        using (var p = Open())
        {
            var scan = ProjectScan.Run(_dir.Root, p.Backups.Config, p.Backups.Config.Components, cache);
            Assert.Equal(0, scan.FilesHashed);
            Assert.True(scan.FromCache); // answered by comparing with the cache, without a file list
            Assert.Equal(cache.FilesHash, scan.FilesHash);
            Assert.Equal(cache.LastBackupContentHash, scan.ContentHash);
        }
        Assert.True(Create().Skipped);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cachePath));
    }

    [Fact]
    public void The_parallel_walk_finds_exactly_what_a_plain_recursive_listing_finds()
    {
        for (int i = 0; i < 400; i++)
            Write($"src/m{i % 23}/p{i % 7}/d{i % 3}/f{i}.txt", new string('x', i));
        Write("src/m1/node_modules/deep/skip.js", "excluded folder at depth");
        Write("src/m2/p3/trace.log", "excluded by suffix");
        string outside = Directory.CreateTempSubdirectory("fb-walk-outside-").FullName; // a folder of its own: the listing below follows links
        File.WriteAllText(Path.Combine(outside, "not-ours.txt"), "outside the project");
        Directory.CreateSymbolicLink(Path.Combine(_dir.Root, "src/m3/outside"), outside);
        string[] excluded = { ".git", ".fastband", "node_modules", "data" };
        var expected = Directory.EnumerateFileSystemEntries(_dir.Root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(_dir.Root, f).Replace('\\', '/'))
            .Where(rel => !rel.Split('/').Any(excluded.Contains) && !rel.EndsWith(".log") && !rel.StartsWith("src/m3/outside/"))
            .Where(rel => !Directory.Exists(Path.Combine(_dir.Root, rel)) || new FileInfo(Path.Combine(_dir.Root, rel)).LinkTarget is not null)
            .Order(StringComparer.Ordinal).ToList();
        using var p = Open();
        var scan = ProjectScan.Run(_dir.Root, p.Backups.Config, new HashSet<string> { BackupComponent.Code }, new ScanCache());
        Assert.Equal(expected, scan.Code.Select(f => f.Path).ToList());
        Assert.Contains("src/m3/outside", expected); // the link is listed, not followed
        Directory.Delete(outside, recursive: true);
    }

    [Fact]
    public void Backup_files_and_folders_are_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        var r = Create();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(r.Backup!.Path));
        foreach (var f in Directory.GetFiles(r.Backup.Path))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
    }

    [Fact]
    public void GNU_tar_reads_the_archives()
    {
        var r = Create();
        var tar = ChildProcess.Run("tar", "-tzf", Path.Combine(r.Backup!.Path, "code_backup.tar.gz"));
        Assert.True(tar.ExitCode == 0, tar.ToString());
        Assert.Contains("src/lib/util.py", tar.Stdout);
    }

    [Fact]
    public void A_second_run_while_one_holds_the_guard_is_refused_naming_the_holder()
    {
        using var p = Open();
        using (BackupGuard.Acquire(p.Backups.BackupsDirectory, p.Caller, "backup", _clock))
        {
            var e = Assert.Throws<BlockedException>(() => Create());
            Assert.Equal("BackupRunning", e.ErrorId);
            Assert.Contains($"pid {Environment.ProcessId}", e.Message);
            Assert.NotNull(p.Backups.Status().RunningBackup);
        }
        Assert.True(Create().Created); // released with its holder
    }

    [Fact]
    public void A_half_built_backup_is_never_listed_and_the_next_run_removes_it()
    {
        using var p = Open();
        string staging = Path.Combine(p.Backups.BackupsDirectory, ".staging", "20261121-000000-manual-dead");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "code_backup.tar.gz"), "half");
        string noManifest = Path.Combine(p.Backups.BackupsDirectory, "manual", "20261121-000001-manual-beef");
        Directory.CreateDirectory(noManifest);
        Assert.Empty(p.Backups.List());
        Assert.True(Create().Created);
        Assert.False(Directory.Exists(staging));
        Assert.Single(p.Backups.List());
    }

    [Fact]
    public void Restore_verifies_takes_a_safety_backup_and_brings_files_back()
    {
        var original = Create().Backup!;
        Write("src/app.py", "broken by an agent\n");
        File.Delete(Path.Combine(_dir.Root, "src/lib/util.py"));
        Write("src/extra.py", "new file\n");

        using var p = Open();
        var dry = p.Backups.Restore(new RestoreRequest { BackupId = "latest", Components = new[] { "code" }, DryRun = true });
        Assert.Equal(1, dry.Created);
        Assert.Equal(1, dry.Overwritten);
        Assert.Equal("broken by an agent\n", File.ReadAllText(Path.Combine(_dir.Root, "src/app.py")));
        Assert.Single(p.Backups.List());

        var r = p.Backups.Restore(new RestoreRequest { BackupId = original.Id, Components = new[] { "code" } });
        Assert.Equal("print('hello')\n", File.ReadAllText(Path.Combine(_dir.Root, "src/app.py")));
        Assert.True(File.Exists(Path.Combine(_dir.Root, "src/lib/util.py")));
        Assert.True(File.Exists(Path.Combine(_dir.Root, "src/extra.py"))); // files the backup lacks are left alone
        Assert.Equal(1, r.NotInBackup);
        var safety = p.Backups.Find(r.SafetyBackupId!);
        Assert.Equal($"pre-restore-{original.Id}", safety.Name);
        Assert.Contains("broken by an agent", ReadFromArchive(Path.Combine(safety.Path, "code_backup.tar.gz"), "src/app.py"));
    }

    private static string ReadFromArchive(string archive, string name)
    {
        using var f = File.OpenRead(archive);
        using var gz = new GZipStream(f, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } e)
            if (e.Name == name) return new StreamReader(e.DataStream!).ReadToEnd();
        return "";
    }

    [Fact]
    public void Restore_into_another_folder_writes_only_there()
    {
        var b = Create().Backup!;
        string elsewhere = Path.Combine(_dir.Root, "..", Path.GetFileName(_dir.Root) + "-restored");
        try
        {
            using var p = Open();
            var r = p.Backups.Restore(new RestoreRequest { BackupId = b.Id, Components = new[] { "code", "data" }, Destination = elsewhere });
            Assert.True(File.Exists(Path.Combine(elsewhere, "src/app.py")));
            Assert.True(File.Exists(Path.Combine(elsewhere, "data/records.csv")));
            Assert.Null(r.SafetyBackupId);
            Assert.Single(p.Backups.List());
        }
        finally
        {
            if (Directory.Exists(elsewhere)) Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public void A_damaged_backup_fails_verification_and_is_not_restored()
    {
        var b = Create().Backup!;
        string archive = Path.Combine(b.Path, "code_backup.tar.gz");
        var bytes = File.ReadAllBytes(archive);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(archive, bytes);
        Write("src/app.py", "current\n");

        using var p = Open();
        var v = p.Backups.Verify(b.Id);
        Assert.False(v.Ok);
        Assert.Contains(v.Checks, c => c.What == "checksum" && !c.Ok);
        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = b.Id }));
        Assert.Equal("BackupDamaged", e.ErrorId);
        Assert.Equal("current\n", File.ReadAllText(Path.Combine(_dir.Root, "src/app.py")));
    }

    [Fact]
    public void Retention_keeps_the_newest_dailies_and_weeklies_and_never_prunes_manual_ones()
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, "backup_config.yaml"), "daily_retention: 2\nweekly_retention: 1\n");
        for (int i = 0; i < 4; i++) { Create(force: true, type: BackupTypes.Daily); _clock.Advance(TimeSpan.FromHours(1)); }
        for (int i = 0; i < 2; i++) { Create(force: true, type: BackupTypes.Weekly); _clock.Advance(TimeSpan.FromHours(1)); }
        Create(force: true);
        using var p = Open();
        var preview = p.Backups.Prune(dryRun: true);
        Assert.Equal(3, preview.Removed.Count);
        Assert.Equal(7, p.Backups.List().Count);
        Assert.Contains(p.Backups.List(), b => b.RetentionReason == "daily: 1st newest of the 2 kept");

        var pruned = p.Backups.Prune(dryRun: false);
        Assert.Equal(3, pruned.Removed.Count);
        var left = p.Backups.List();
        Assert.Equal(2, left.Count(b => b.BackupType == BackupTypes.Daily));
        Assert.Equal(1, left.Count(b => b.BackupType == BackupTypes.Weekly));
        Assert.Equal(1, left.Count(b => b.BackupType == BackupTypes.Manual));
    }

    [Fact]
    public void A_scheduled_run_makes_the_daily_backup_once_per_day_after_its_time()
    {
        Directory.CreateDirectory(_dir.StateDir);
        // From the latest local noon (at most a day ago), an hour and a minute later is still the same local day.
        var localNow = DateTimeOffset.Now;
        var noon = new DateTimeOffset(localNow.Date.AddHours(12), localNow.Offset);
        _clock = new ManualClock((noon > localNow ? noon.AddDays(-1) : noon).ToUniversalTime());
        var local = _clock.GetUtcNow().ToLocalTime();
        var at = TimeOnly.FromDateTime(local.DateTime).AddHours(1); // an hour from now, local time
        File.WriteAllText(Path.Combine(_dir.StateDir, "backup_config.yaml"), $"daily_time: \"{at:HH\\:mm}\"\nweekly_enabled: false\n");
        using (var p = Open())
        {
            var early = p.Backups.RunScheduled();
            Assert.Empty(early.Runs);
            Assert.NotNull(early.NextDaily);
        }
        _clock.Advance(TimeSpan.FromMinutes(61));
        using (var p = Open())
        {
            Assert.True(Assert.Single(p.Backups.RunScheduled().Runs).Created);
            Write("src/app.py", "changed later the same day\n");
            Assert.Empty(p.Backups.RunScheduled().Runs); // once per day, however often it is called
            Assert.Equal(BackupTypes.Daily, Assert.Single(p.Backups.List()).BackupType);
        }
    }

    [Fact]
    public void A_malformed_config_names_the_file_and_line_and_nothing_is_backed_up()
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, "backup_config.yaml"), "daily_retention: 7\nweekly_dya: sunday\n");
        using var p = Open();
        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Create(new BackupRequest()));
        Assert.Contains("backup_config.yaml, line 2", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir.StateDir, "backups", "manual")));
    }

    [Theory]
    [InlineData("daily_time: 25:99\n", "daily_time")]
    [InlineData("weekly_day: someday\n", "weekly_day")]
    [InlineData("compression_level: max\n", "compression_level")]
    [InlineData("database:\n  type: oracle\n", "database.type")]
    [InlineData("database:\n  type: sqlite\n", "database.path")]
    public void Bad_config_values_are_refused_by_name(string yaml, string field)
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, "backup_config.yaml"), yaml);
        using var p = Open();
        Assert.Contains(field, Assert.Throws<InvalidInputException>(() => p.Backups.Create(new BackupRequest())).Message);
    }

    [Fact]
    public void Unknown_components_and_types_are_refused()
    {
        using var p = Open();
        Assert.Equal("InvalidComponent", Assert.Throws<InvalidInputException>(() => p.Backups.Create(new BackupRequest { Components = new[] { "code,photos" } })).ErrorId);
        Assert.Equal("InvalidBackupType", Assert.Throws<InvalidInputException>(() => p.Backups.Create(new BackupRequest { Type = "hourly" })).ErrorId);
        Assert.Equal("BackupNotFound", Assert.Throws<NotFoundException>(() => { Create(); p.Backups.Find("nope"); }).ErrorId);
    }
}
