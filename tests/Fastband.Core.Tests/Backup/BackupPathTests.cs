using System.Formats.Tar;
using System.IO.Compression;
using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

/// <summary>
/// Issue 14, at backup time: the paths backup_config.yaml names stay inside the project, every name that goes
/// into an archive comes back out as it went in (or is refused up front), and a file's mode goes in with it.
/// </summary>
public sealed class BackupPathTests : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly string _outside = Path.Combine(Path.GetTempPath(), "fastband-outside-" + Guid.NewGuid().ToString("N")[..8]);

    public BackupPathTests()
    {
        Write("src/app.py", "print('hello')\n");
        Write("data/records.csv", "a,b\n");
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "not the project's");
    }

    public void Dispose()
    {
        _dir.Dispose();
        try { Directory.Delete(_outside, recursive: true); } catch (IOException) { }
    }

    private void Write(string rel, string text)
    {
        string path = Path.Combine(_dir.Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Config(string yaml)
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, BackupConfig.FileName), yaml);
    }

    private BackupService Backups() => FastbandProject.OpenBackups(new ProjectOptions { ProjectPath = _dir.Root, Agent = "paths" });

    private BackupResult Create() => Backups().Create(new BackupRequest { Force = true });

    private static List<TarEntry> Entries(string archive)
    {
        using var f = File.OpenRead(archive);
        using var gz = new GZipStream(f, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        var entries = new List<TarEntry>();
        while (tar.GetNextEntry() is { } e) entries.Add(e);
        return entries;
    }

    // ------------------------------------------------------------------ 1. paths in the config

    [Theory]
    [InlineData("data_dir: ../../etc", "data_dir")]
    [InlineData("data_dir: /etc", "data_dir")]
    [InlineData("data_dir: data/../../elsewhere", "data_dir")]
    [InlineData("data_dir: .", "data_dir")]
    [InlineData("config_files:\n  - .env\n  - ../../etc/passwd", "config_files")]
    [InlineData("database:\n  type: sqlite\n  path: /tmp/app.db", "database.path")]
    public void A_path_setting_outside_the_project_is_refused_at_load_with_the_file_line_and_key(string setting, string key)
    {
        Config("enabled: true\ncompression_level: fastest\n" + setting + "\n");
        int line = 3 + setting.Split('\n').Length - 1;
        var e = Assert.Throws<InvalidInputException>(() => Backups().Config);
        Assert.Equal("BackupPathOutsideProject", e.ErrorId);
        Assert.Contains($"{Path.Combine(_dir.StateDir, BackupConfig.FileName)}, line {line}: {key} ", e.Message);
        Assert.Contains("inside the project", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir.StateDir, "backups", "manual")));
        Assert.Throws<InvalidInputException>(Create);
    }

    [Fact]
    public void An_absolute_path_inside_the_project_is_kept_as_a_relative_one()
    {
        Config($"data_dir: {Path.Combine(_dir.Root, "data")}/\n");
        Assert.Equal("data", Backups().Config.DataDirectory);
        var r = Create();
        Assert.Equal(new[] { "data/records.csv" }, Entries(Path.Combine(r.Backup!.Path, "data_backup.tar.gz")).Select(e => e.Name));
    }

    [Fact]
    public void A_data_dir_that_is_a_link_leading_outside_is_refused_at_backup_time_not_followed()
    {
        if (OperatingSystem.IsWindows()) return;
        Directory.CreateSymbolicLink(Path.Combine(_dir.Root, "shared"), _outside);
        Config("data_dir: shared\n");
        var e = Assert.Throws<InvalidInputException>(Create);
        Assert.Equal("BackupPathOutsideProject", e.ErrorId);
        Assert.Contains("data_dir 'shared'", e.Message);
        Assert.Contains(_outside, e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir.StateDir, "backups", "manual")));

        // a folder on the way that is a link out counts too, and so does a config file's folder
        Config("data_dir: shared/sub\n");
        Directory.CreateDirectory(Path.Combine(_outside, "sub"));
        Assert.Equal("BackupPathOutsideProject", Assert.Throws<InvalidInputException>(Create).ErrorId);
        Config("config_files:\n  - shared/secret.txt\n");
        Assert.Equal("BackupPathOutsideProject", Assert.Throws<InvalidInputException>(Create).ErrorId);
    }

    [Fact]
    public void A_data_dir_that_is_a_link_inside_the_project_is_backed_up()
    {
        if (OperatingSystem.IsWindows()) return;
        Directory.CreateSymbolicLink(Path.Combine(_dir.Root, "current"), "data");
        Config("data_dir: current\n");
        Assert.True(Create().Created);
    }

    // ------------------------------------------------------------------ 2. names and modes

    [Fact]
    public void An_executable_is_archived_with_its_mode()
    {
        if (OperatingSystem.IsWindows()) return;
        Write("tools/run.sh", "#!/bin/sh\necho hi\n");
        Write("tools/private.key", "k");
        File.SetUnixFileMode(Path.Combine(_dir.Root, "tools/run.sh"), (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(_dir.Root, "tools/private.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var r = Create();
        var code = Entries(Path.Combine(r.Backup!.Path, "code_backup.tar.gz")).ToDictionary(e => e.Name);
        Assert.Equal((UnixFileMode)0b111_101_101, code["tools/run.sh"].Mode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, code["tools/private.key"].Mode);
    }

    [Theory]
    [InlineData("a\\b")]
    [InlineData("tab\there")]
    [InlineData("cr\rname")]
    [InlineData("key=value")]
    [InlineData("caf\u00e9 \u2603.txt")]
    [InlineData("\uFFFD-real-replacement-char")]
    public void A_name_TarWriter_keeps_byte_for_byte_is_archived_as_it_is(string name)
    {
        if (OperatingSystem.IsWindows()) return;
        Write("odd/" + name, "x");
        var r = Create();
        Assert.Contains("odd/" + name, Entries(Path.Combine(r.Backup!.Path, "code_backup.tar.gz")).Select(e => e.Name));
        Assert.True(Backups().Verify(r.Backup.Id).Ok);
    }

    [Fact]
    public void A_name_with_a_line_break_makes_an_unreadable_archive_so_it_is_refused_naming_the_file()
    {
        if (OperatingSystem.IsWindows()) return;
        // What .NET does with it: TarWriter writes it, TarReader cannot read the archive back.
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "a\nb"));
        ms.Position = 0;
        Assert.Throws<InvalidDataException>(() => new TarReader(ms).GetNextEntry());

        Write("src/two\nlines.txt", "x");
        var e = Assert.Throws<InvalidInputException>(Create);
        Assert.Equal("UnrepresentableFileName", e.ErrorId);
        Assert.Contains("'src/two\\nlines.txt'", e.Message);
        Assert.Contains("exclude_patterns", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.Empty(Backups().List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_dir.StateDir, "backups", ".staging")));

        Config("exclude_patterns:\n  - \"two*\"\n");
        Assert.True(Create().Created); // excluded, the rest is backed up
    }

    [Fact]
    public void A_link_whose_target_has_a_line_break_is_refused()
    {
        if (OperatingSystem.IsWindows()) return;
        File.CreateSymbolicLink(Path.Combine(_dir.Root, "src", "link"), "x\ny");
        Assert.Equal("UnrepresentableFileName", Assert.Throws<InvalidInputException>(Create).ErrorId);
    }

    [Fact]
    public void A_name_that_is_not_UTF8_is_refused_naming_the_file()
    {
        if (!OperatingSystem.IsLinux()) return;
        var r = ChildProcess.Run("sh", "-c", $"printf x > '{Path.Combine(_dir.Root, "src")}'/bad$(printf '\\377')name");
        Assert.True(r.ExitCode == 0, r.ToString());
        var e = Assert.Throws<InvalidInputException>(Create);
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.Contains("src/bad", e.Message);
    }

    // ------------------------------------------------------------------ 3. a folder that cannot be written

    [Fact]
    public void A_read_only_backups_folder_is_a_permission_failure_not_another_backup_running()
    {
        if (!OperatingSystem.IsLinux() || !Events.Unwritable.IsRoot) return; // a read-only bind mount needs root
        Assert.True(Create().Created);
        string backups = Path.Combine(_dir.StateDir, "backups");
        Events.Unwritable.Run("mount", "--bind", backups, backups);
        try
        {
            Events.Unwritable.Run("mount", "-o", "remount,bind,ro", backups);
            var e = Assert.Throws<NotWritableException>(Create);
            Assert.Equal(FailureKind.Failed, e.Kind);
            Assert.Equal("BackupFolderNotWritable", e.ErrorId);
            Assert.Contains(backups, e.Message);
            Assert.Contains("make it writable", e.Message);
        }
        finally
        {
            Events.Unwritable.Run("umount", "-l", backups);
        }
    }

    [Fact]
    public void A_backup_really_running_is_still_reported_as_blocked()
    {
        string backups = Path.Combine(_dir.StateDir, "backups");
        using var held = BackupGuard.Acquire(backups, CallerIdentity.Resolve("other", _ => null), "backup", TimeProvider.System);
        Assert.Equal("BackupRunning", Assert.Throws<BlockedException>(Create).ErrorId);
    }

    [Fact]
    public void An_immutable_fastband_folder_without_backups_yet_is_a_permission_failure()
    {
        if (OperatingSystem.IsWindows()) return;
        Directory.CreateDirectory(_dir.StateDir);
        using (new Events.Unwritable(_dir.StateDir))
        {
            var e = Assert.Throws<NotWritableException>(Create);
            Assert.Contains(_dir.StateDir, e.Message);
        }
    }
}
