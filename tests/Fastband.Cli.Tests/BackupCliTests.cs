using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Fastband.Core.Tests;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// `fastband backup ...` end to end, as real processes in a scratch project with a small tree, a data/ folder
/// and a git repository. No database (the tests' environment has no DATABASE_URL: CliRunner removes it).
/// </summary>
public sealed class BackupCliTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly List<string> _scratch = new();

    public BackupCliTests()
    {
        Write("src/app.py", "print('hello')\n");
        Write("src/lib/util.py", "def util():\n    return 1\n");
        Write("README.md", "# scratch\n");
        Write("package.json", "{ \"name\": \"scratch\" }\n");
        Write("data/records.csv", "id,name\n1,a\n");
        Sh("git", "init", "-q");
        Sh("git", "add", "-A");
        Sh("git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "init");
    }

    public void Dispose()
    {
        _cli.Dispose();
        foreach (var dir in _scratch)
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    // ------------------------------------------------------------------ helpers

    private string P(string rel) => Path.Combine(_cli.Root, rel.Replace('/', Path.DirectorySeparatorChar));

    private void Write(string rel, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(P(rel))!);
        File.WriteAllText(P(rel), text);
    }

    private string Read(string rel) => File.ReadAllText(P(rel));

    private string BackupsDir => P(".fastband/backups");

    private void Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = _cli.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var r = ChildProcess.Run(psi);
        Assert.True(r.ExitCode == 0, $"{file} {string.Join(' ', args)}: {r.Stderr}");
    }

    private CliRunner.Result Fb(params string[] args) => _cli.As("tester", args);

    private CliRunner.Result Ok(params string[] args)
    {
        var r = Fb(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>Creates a backup and returns its id (asserting it was created, not skipped).</summary>
    private string Create(params string[] extra)
    {
        var r = Ok(new[] { "backup", "create", "--json" }.Concat(extra).ToArray());
        Assert.True(r.Json.GetProperty("created").GetBoolean(), r.ToString());
        return r.Json.GetProperty("backup").GetProperty("id").GetString()!;
    }

    private List<JsonElement> List() => Ok("backup", "list", "--json").Json.EnumerateArray().ToList();

    private string BackupPath(string id) => List().Single(b => b.GetProperty("id").GetString() == id).GetProperty("path").GetString()!;

    private string ScratchDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fastband-dest-" + Guid.NewGuid().ToString("N")[..12]);
        _scratch.Add(dir);
        return dir;
    }

    private void WriteConfig(string yaml)
    {
        Directory.CreateDirectory(P(".fastband"));
        File.WriteAllText(P(".fastband/backup_config.yaml"), yaml);
    }

    /// <summary>A few hundred MB of random data, so a backup takes long enough to race against.</summary>
    private void WriteLargeFile()
    {
        Directory.CreateDirectory(P("data"));
        using var f = File.Create(P("data/large.bin"));
        var buffer = new byte[1 << 20];
        for (int i = 0; i < 300; i++)
        {
            RandomNumberGenerator.Fill(buffer);
            f.Write(buffer);
        }
    }

    private static void WaitFor(Func<bool> condition, string what, ChildProcess? whileRunning = null)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (whileRunning is { HasExited: true }) throw new Xunit.Sdk.XunitException($"the process exited before {what}");
            if (watch.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"waited 60 s for {what}");
            Thread.Sleep(5);
        }
    }

    // ------------------------------------------------------------------ create, list, skip, status

    [Fact]
    public void Backup_commands_do_not_open_the_store_so_they_never_create_one()
    {
        // A store that could not be opened at all (a folder where the database file should be) proves the point
        // beyond "no file appeared": any command that opens the store fails on it, and the backup commands do not.
        Directory.CreateDirectory(P(".fastband/" + Fastband.Core.FastbandProject.DatabaseFileName));
        Assert.NotEqual(0, Fb("ops", "read").ExitCode); // the control: this one opens the store
        Create();
        Assert.Single(List());
        Ok("backup", "status");
        Assert.True(Directory.Exists(P(".fastband/" + Fastband.Core.FastbandProject.DatabaseFileName)));
    }

    [Fact]
    public void Create_lists_with_a_reason_skips_when_unchanged_force_creates_and_a_change_proceeds()
    {
        string first = Create();
        var listed = List();
        var entry = Assert.Single(listed);
        Assert.Equal(first, entry.GetProperty("id").GetString());
        Assert.Equal("manual: never pruned automatically", entry.GetProperty("retentionReason").GetString());
        Assert.Contains("manual: never pruned automatically", Ok("backup", "list").Stdout);

        var skipped = Ok("backup", "create");
        Assert.Contains("Skipped: nothing changed since backup " + first, skipped.Stdout);
        var skippedJson = Ok("backup", "create", "--json").Json;
        Assert.True(skippedJson.GetProperty("skipped").GetBoolean());
        Assert.False(skippedJson.GetProperty("created").GetBoolean());
        Assert.Single(List());

        string forced = Create("--force");
        Assert.NotEqual(first, forced);
        Assert.Equal(2, List().Count);

        Write("src/app.py", "print('hello, changed world')\n");
        var status = Ok("backup", "status", "--json").Json;
        Assert.Equal(1, status.GetProperty("changesSinceLast").GetProperty("modified").GetInt32());
        Assert.Equal(0, status.GetProperty("changesSinceLast").GetProperty("added").GetInt32());
        Assert.Equal(forced, status.GetProperty("lastBackup").GetProperty("id").GetString());
        Assert.Contains("1 modified", Ok("backup", "status").Stdout);

        var proceeded = Ok("backup", "create", "--json").Json;
        Assert.True(proceeded.GetProperty("created").GetBoolean());
        Assert.Equal(1, proceeded.GetProperty("changes").GetProperty("modified").GetInt32());
        Assert.Equal(3, List().Count);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Backups_are_owner_only_and_gnu_tar_reads_the_code_archive()
    {
        string id = Create();
        string path = BackupPath(id);
        foreach (var dir in new[] { BackupsDir, Path.GetDirectoryName(path)!, path })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        var files = Directory.GetFiles(path);
        Assert.Contains(files, f => f.EndsWith("code_backup.tar.gz", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("manifest.json", StringComparison.Ordinal));
        foreach (var f in files)
            Assert.True(File.GetUnixFileMode(f) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{f} is {File.GetUnixFileMode(f)}");

        var tar = ChildProcess.Run("tar", "-tzf", Path.Combine(path, "code_backup.tar.gz"));
        Assert.True(tar.ExitCode == 0, tar.Stderr);
        string listing = tar.Stdout;
        Assert.Contains("src/app.py", listing);
        Assert.Contains("src/lib/util.py", listing);
        Assert.DoesNotContain(".fastband", listing);
        Assert.DoesNotContain(".git/", listing);
    }

    // ------------------------------------------------------------------ restore

    [Fact]
    public void Restore_needs_confirm_a_dry_run_changes_nothing_and_confirm_brings_files_back_with_a_safety_backup()
    {
        string id = Create();
        Write("src/app.py", "print('broken by an agent')\n");
        File.Delete(P("src/lib/util.py"));

        var refused = Fb("backup", "restore", id);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--confirm", refused.Stderr);
        Assert.Contains("--dry-run", refused.Stderr);
        Assert.Equal("print('broken by an agent')\n", Read("src/app.py"));
        Assert.False(File.Exists(P("src/lib/util.py")));

        var dry = Ok("backup", "restore", "latest", "--dry-run");
        Assert.Contains("Dry run", dry.Stdout);
        Assert.Contains("overwrite src/app.py", dry.Stdout);
        Assert.Contains("create src/lib/util.py", dry.Stdout);
        var dryJson = Ok("backup", "restore", id, "--dry-run", "--json").Json;
        Assert.True(dryJson.GetProperty("dryRun").GetBoolean());
        Assert.Equal(1, dryJson.GetProperty("overwritten").GetInt32());
        Assert.Equal(1, dryJson.GetProperty("created").GetInt32());
        Assert.Equal("print('broken by an agent')\n", Read("src/app.py"));
        Assert.False(File.Exists(P("src/lib/util.py")));
        Assert.Single(List());

        var restored = Ok("backup", "restore", id, "--confirm", "--json").Json;
        Assert.False(restored.GetProperty("dryRun").GetBoolean());
        Assert.Equal("print('hello')\n", Read("src/app.py"));
        Assert.Equal("def util():\n    return 1\n", Read("src/lib/util.py"));
        string safety = restored.GetProperty("safetyBackupId").GetString()!;
        Assert.False(string.IsNullOrEmpty(safety));
        var safetyEntry = List().Single(b => b.GetProperty("id").GetString() == safety);
        Assert.Equal("pre-restore-" + id, safetyEntry.GetProperty("name").GetString());

        // The safety backup holds the state from before: restoring it brings the broken file back.
        Ok("backup", "restore", safety, "--confirm", "--components", "code");
        Assert.Equal("print('broken by an agent')\n", Read("src/app.py"));
    }

    [Fact]
    public void Restore_into_a_destination_writes_only_there()
    {
        string id = Create();
        Write("src/app.py", "print('edited after the backup')\n");
        string dest = ScratchDir();

        var r = Ok("backup", "restore", id, "--confirm", "--components", "code,data", "--destination", dest, "--json").Json;
        Assert.Equal(Path.GetFullPath(dest), r.GetProperty("destination").GetString());
        Assert.Equal("print('hello')\n", File.ReadAllText(Path.Combine(dest, "src", "app.py")));
        Assert.True(File.Exists(Path.Combine(dest, "data", "records.csv")));
        Assert.False(Directory.Exists(Path.Combine(dest, ".git")));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("safetyBackupId").ValueKind);
        Assert.Equal("print('edited after the backup')\n", Read("src/app.py"));
        Assert.Single(List());
    }

    /// <summary>A backup folder whose code archive holds a harmless file and then <paramref name="hostile"/>; its manifest's sha256 matches.</summary>
    private string CraftBackup(string id, Action<TarWriter> hostile)
    {
        string dir = Path.Combine(BackupsDir, "manual", id);
        Directory.CreateDirectory(dir);
        string archive = Path.Combine(dir, "code_backup.tar.gz");
        using (var file = File.Create(archive))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "src/planted.txt") { DataStream = new MemoryStream("planted"u8.ToArray()) });
            hostile(tar);
        }
        string sha;
        using (var s = File.OpenRead(archive)) sha = Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
        var manifest = new
        {
            id, name = (string?)null, createdAt = DateTimeOffset.UtcNow, projectPath = _cli.Root, backupType = "manual", trigger = "manual",
            agent = "mallory", contentHash = "x", sizeBytes = new FileInfo(archive).Length,
            components = new Dictionary<string, bool> { ["code"] = true, ["config"] = false, ["data"] = false, ["database"] = false, ["git"] = false },
            fileCount = 2,
            artifacts = new[] { new { component = "code", file = "code_backup.tar.gz", sizeBytes = new FileInfo(archive).Length, sha256 = sha } },
            toolVersion = "0",
        };
        File.WriteAllText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest));
        return id;
    }

    [Fact]
    public void A_hostile_archive_stops_the_restore_with_exit_2_and_writes_nothing_outside_or_inside()
    {
        Create(); // the project's own backup state exists
        string outsideName = "evil-" + Guid.NewGuid().ToString("N")[..8] + ".txt";
        string climbing = CraftBackup("20990101-000000-manual-d0f1", tar =>
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../" + outsideName) { DataStream = new MemoryStream("evil"u8.ToArray()) }));
        string linking = CraftBackup("20990101-000001-manual-11c1", tar =>
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "src/escape") { LinkName = "../../../../../../../../../../../../etc" }));
        string absolute = CraftBackup("20990101-000002-manual-ab51", tar =>
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "src/escape") { LinkName = "/etc" }));

        foreach (var id in new[] { climbing, linking, absolute })
        {
            Assert.Equal(0, Ok("backup", "verify", id).ExitCode); // checksums match: it is the content that is hostile
            foreach (var mode in new[] { "--confirm", "--dry-run" })
            {
                var r = Fb("backup", "restore", id, mode);
                Assert.True(r.ExitCode == 2, r.ToString());
                Assert.Contains("unsafe", r.Stderr);
                Assert.Contains("nothing was restored", r.Stderr);
            }
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_cli.Root)!, outsideName)));
            Assert.False(File.Exists(Path.Combine(_cli.Root, outsideName)));
            Assert.False(File.Exists(P("src/planted.txt")));
            Assert.False(Path.Exists(P("src/escape")));
            Assert.Equal("print('hello')\n", Read("src/app.py"));
            string staging = Path.Combine(BackupsDir, ".staging");
            Assert.True(!Directory.Exists(staging) || !Directory.EnumerateFileSystemEntries(staging).Any(), "staging was left behind");
        }
        Assert.Equal(4, List().Count); // no safety backup was taken
    }

    // ------------------------------------------------------------------ verify, prune, config

    [Fact]
    public void Verify_passes_on_a_good_backup_and_exits_1_after_a_byte_flips()
    {
        string id = Create();
        var good = Ok("backup", "verify", id);
        Assert.Contains("verified", good.Stdout);
        Assert.Contains("code_backup.tar.gz sha256 matches", good.Stdout);

        string archive = Path.Combine(BackupPath(id), "code_backup.tar.gz");
        var bytes = File.ReadAllBytes(archive);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(archive, bytes);

        var bad = Fb("backup", "verify", "latest");
        Assert.True(bad.ExitCode == 1, bad.ToString());
        Assert.Contains("FAIL", bad.Stdout);
        Assert.Contains("code", bad.Stdout);
        Assert.False(Fb("backup", "verify", id, "--json").Json.GetProperty("ok").GetBoolean());

        // A damaged backup is never restored.
        var restore = Fb("backup", "restore", id, "--confirm");
        Assert.Equal(2, restore.ExitCode);
        Assert.Contains("fails verification", restore.Stderr);
    }

    [Fact]
    public void Prune_dry_run_deletes_nothing_and_prune_keeps_daily_retention_and_every_manual_backup()
    {
        WriteConfig("daily_retention: 2\n");
        string manual = Create();
        var daily = new[] { Create("--type", "daily", "--force"), Create("--type", "daily", "--force"), Create("--type", "daily", "--force") };
        Assert.Equal(4, List().Count);

        var dry = Ok("backup", "prune", "--dry-run", "--json").Json;
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(daily[0], Assert.Single(dry.GetProperty("removed").EnumerateArray()).GetProperty("id").GetString());
        Assert.Contains("would remove", Ok("backup", "prune", "--dry-run").Stdout);
        Assert.Equal(4, List().Count);

        var pruned = Ok("backup", "prune");
        Assert.Contains("removed  " + daily[0], pruned.Stdout);
        Assert.Contains("manual: never pruned automatically", pruned.Stdout);
        var left = List();
        Assert.Equal(new[] { daily[2], daily[1], manual }.Order(), left.Select(b => b.GetProperty("id").GetString()!).Order());
        Assert.Equal("manual: never pruned automatically", left.Single(b => b.GetProperty("id").GetString() == manual).GetProperty("retentionReason").GetString());
        Assert.False(Directory.Exists(Path.Combine(BackupsDir, "daily", daily[0])));
    }

    [Fact]
    public void A_malformed_backup_config_exits_2_naming_the_file_and_the_line()
    {
        WriteConfig("daily_retention: 2\ndaily_time: \"03:00\"\nweekly_day: [sunday\n");
        var r = Fb("backup", "create");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("backup_config.yaml", r.Stderr);
        Assert.Matches(@"line [34]\b", r.Stderr);

        WriteConfig("daily_retention: 2\nno_such_field: 1\n");
        var unknown = Fb("backup", "status");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Contains("backup_config.yaml, line 2", unknown.Stderr);
        Assert.False(Directory.Exists(Path.Combine(BackupsDir, "manual")));
    }

    // ------------------------------------------------------------------ concurrency and crashes

    [Fact]
    public async Task A_second_create_while_one_runs_exits_3_saying_who_holds_it()
    {
        WriteLargeFile();
        using var first = _cli.Start(new[] { "--agent", "first-agent", "backup", "create" });
        var firstOut = first.StandardOutput.ReadToEndAsync();
        var firstErr = first.StandardError.ReadToEndAsync();
        WaitFor(() => File.Exists(Path.Combine(BackupsDir, ".lock.holder")), ".lock.holder", first);
        var second = _cli.As("second-agent", "backup", "create");
        Assert.True(second.ExitCode == 3, second.ToString());
        Assert.Contains("first-agent", second.Stderr);
        Assert.Contains($"pid {first.Id}", second.Stderr);
        Assert.Contains("first-agent", Ok("backup", "status").Stdout);
        first.WaitForExit("the first backup create to finish", TimeSpan.FromSeconds(120));
        Assert.True(first.ExitCode == 0, $"{await firstOut}\n{await firstErr}");
        Assert.Single(List());
    }

    [Fact]
    public void A_backup_killed_mid_run_leaves_nothing_listed_and_the_next_create_succeeds_and_cleans_staging()
    {
        WriteLargeFile();
        string staging = Path.Combine(BackupsDir, ".staging");
        using (var doomed = _cli.Start(new[] { "--agent", "doomed", "backup", "create" }))
        {
            _ = doomed.StandardOutput.ReadToEndAsync();
            _ = doomed.StandardError.ReadToEndAsync();
            WaitFor(() => Directory.Exists(staging) && Directory.EnumerateDirectories(staging).Any(), "a staging folder", doomed);
            doomed.Kill(); // SIGKILL: no finally blocks run; returns once it is gone
        }
        Assert.NotEmpty(Directory.EnumerateDirectories(staging));
        Assert.Empty(List());
        Assert.Contains("No backups yet", Ok("backup", "list").Stdout);

        File.Delete(P("data/large.bin"));
        string id = Create();
        Assert.Equal(id, Assert.Single(List()).GetProperty("id").GetString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging));
    }

    [Fact]
    public void Run_scheduled_twice_in_a_row_creates_at_most_one_daily_backup()
    {
        WriteConfig("daily_time: \"00:00\"\nweekly_enabled: false\n");
        var day = DateTime.Now.Date;
        var first = Ok("backup", "run-scheduled", "--json").Json;
        Assert.Single(first.GetProperty("runs").EnumerateArray());
        var second = Ok("backup", "run-scheduled");
        // Local midnight between the two runs makes the second one due again: then one daily per day.
        int days = (DateTime.Now.Date - day).Days + 1;
        if (days == 1) Assert.Contains("today's daily backup exists", second.Stdout);
        Assert.Equal(days, List().Count(b => b.GetProperty("backupType").GetString() == "daily"));
    }
}
