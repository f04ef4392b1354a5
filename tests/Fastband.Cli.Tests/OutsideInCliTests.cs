using System.Text.Json;
using Fastband.Core;
using Fastband.Core.Tests;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>Issue 14 end to end: the store's modes under a permissive umask, a damaged store's health, a read-only backups folder.</summary>
public sealed class OutsideInCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Mode(string path) => OperatingSystem.IsWindows() ? "" : OwnerOnly.Octal(File.GetUnixFileMode(path));

    /// <summary>The CLI as a child of <c>sh</c> with umask 000: every file it creates would be world-readable if it followed the umask.</summary>
    private System.Diagnostics.ProcessStartInfo UnderUmask000(params string[] args)
    {
        var psi = _cli.StartInfo(args);
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.ArgumentList.Insert(0, "sh");
        psi.ArgumentList.Insert(0, "umask 000; exec \"$@\"");
        psi.ArgumentList.Insert(0, "-c");
        psi.FileName = "sh";
        return psi;
    }

    [Fact]
    public void Under_umask_000_the_folder_is_0700_and_the_store_its_wal_and_shm_0600()
    {
        if (OperatingSystem.IsWindows()) return;
        var probe = ChildProcess.Run("sh", "-c", "umask 000; touch \"$0\"; stat -c %a \"$0\"", Path.Combine(_cli.Root, "probe"));
        Assert.Equal("666", probe.Stdout.Trim()); // the umask really is permissive in the child

        var write = ChildProcess.Run(UnderUmask000("--agent", "a", "ops", "write", "--type", "general", "--message", "private"));
        Assert.True(write.ExitCode == 0, write.ToString());
        Assert.Equal("0700", Mode(Path.Combine(_cli.Root, ".fastband")));
        Assert.Equal("0600", Mode(_cli.Db));

        // -wal and -shm exist while a process has the store open: a heartbeat loop keeps it open
        using var beating = ChildProcess.Start(UnderUmask000("--agent", "a", "heartbeat", "--every", "1s"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(File.Exists(_cli.Db + "-wal") && File.Exists(_cli.Db + "-shm")) && DateTime.UtcNow < deadline) Thread.Sleep(100);
        Assert.True(File.Exists(_cli.Db + "-shm"), "the heartbeat loop did not open the store");
        Assert.Equal("0600", Mode(_cli.Db + "-wal"));
        Assert.Equal("0600", Mode(_cli.Db + "-shm"));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.6)]
    public void Health_of_a_store_damaged_mid_file_is_a_report_with_an_unhealthy_store_finding(double where)
    {
        Assert.Equal(0, _cli.As("a", "ops", "write", "--type", "general", "--message", "seed").ExitCode);
        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = _cli.Root, Agent = "filler" }))
        {
            var random = new Random(14);
            for (int i = 0; i < 60; i++)
            {
                var bytes = new byte[3000];
                random.NextBytes(bytes);
                p.OpsLog.Write("general", Convert.ToBase64String(bytes));
            }
        }
        using (var f = new FileStream(_cli.Db, FileMode.Open, FileAccess.Write))
        {
            var noise = new byte[8192];
            new Random(1414).NextBytes(noise);
            f.Position = Math.Max(100, (long)(f.Length * where)); // the header stays
            f.Write(noise);
        }

        var text = _cli.Run("health");
        Assert.True(text.ExitCode == 1, text.ToString());
        Assert.StartsWith("Unhealthy:", text.Stdout);
        Assert.Contains("[unhealthy] store", text.Stdout);
        Assert.Contains("is damaged", text.Stdout);
        Assert.DoesNotContain("SqliteException", text.Stdout + text.Stderr);
        Assert.DoesNotContain("   at ", text.Stdout + text.Stderr);

        var json = _cli.Run("health", "--json");
        Assert.Equal(1, json.ExitCode);
        Assert.Equal("unhealthy", json.Json.GetProperty("state").GetString()!.ToLowerInvariant());
        var store = json.Json.GetProperty("findings").EnumerateArray().Single(x => x.GetProperty("check").GetString() == "store");
        Assert.Equal("unhealthy", store.GetProperty("state").GetString()!.ToLowerInvariant());
        Assert.Contains(_cli.Db, store.GetProperty("summary").GetString());
    }

    [Fact]
    public void A_read_only_backups_folder_exits_1_naming_the_folder_not_3_for_another_backup()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return; // a read-only bind mount needs root
        File.WriteAllText(Path.Combine(_cli.Root, "a.txt"), "x");
        Assert.Equal(0, _cli.As("a", "backup", "create").ExitCode);
        string backups = Path.Combine(_cli.Root, ".fastband", "backups");
        Assert.Equal(0, ChildProcess.Run("mount", "--bind", backups, backups).ExitCode);
        try
        {
            Assert.Equal(0, ChildProcess.Run("mount", "-o", "remount,bind,ro", backups).ExitCode);
            var r = _cli.As("a", "backup", "create", "--force");
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Contains($"The folder {backups} cannot be written", r.Stderr);
            Assert.DoesNotContain("Another backup", r.Stderr);
        }
        finally
        {
            ChildProcess.Run("umount", "-l", backups);
        }
    }
}
