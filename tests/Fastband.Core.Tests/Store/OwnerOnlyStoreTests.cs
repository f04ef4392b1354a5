using Fastband.Core.Health;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>Issue 14: the store and .fastband/ are the owner's alone from the moment they exist, whatever the umask.</summary>
public sealed class OwnerOnlyStoreTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Db => Path.Combine(_dir.StateDir, FastbandProject.DatabaseFileName);

    private static string Mode(string path) => OperatingSystem.IsWindows() ? "" : OwnerOnly.Octal(File.GetUnixFileMode(path));

    [Fact]
    public void A_new_store_its_wal_and_shm_and_its_folder_are_owner_only()
    {
        if (OperatingSystem.IsWindows()) return;
        using (var p = _dir.Open("modes"))
        {
            p.OpsLog.Write("general", "a message nobody else may read");
            Assert.True(File.Exists(Db + "-wal"), "the store is in WAL mode: its -wal file exists while it is open");
            Assert.Equal("0700", Mode(_dir.StateDir));
            Assert.Equal("0600", Mode(Db));
            Assert.Equal("0600", Mode(Db + "-wal"));
            Assert.Equal("0600", Mode(Db + "-shm"));
            var finding = p.Health.Run().Findings.Single(f => f.Check == "permissions");
            Assert.Equal(HealthState.Healthy, finding.State);
        }
    }

    [Fact]
    public void An_existing_project_with_loose_modes_is_left_as_it_is_and_health_warns_with_the_chmod()
    {
        if (OperatingSystem.IsWindows()) return;
        using (var p = _dir.Open("modes")) p.OpsLog.Write("general", "x");
        File.SetUnixFileMode(_dir.StateDir, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Db, (UnixFileMode)0b110_100_100);
        using (var p = _dir.Open("modes"))
        {
            var finding = p.Health.Run().Findings.Single(f => f.Check == "permissions");
            Assert.Equal(HealthState.Warning, finding.State);
            Assert.Contains("fastband.db (0644)", finding.Summary);
            Assert.Contains($".fastband (0755)", finding.Summary);
            Assert.Contains($"chmod 700 {_dir.StateDir} && chmod 600 {Db}*", finding.Summary);
        }
        Assert.Equal("0755", Mode(_dir.StateDir)); // not changed behind the team's back
        Assert.Equal("0644", Mode(Db));
    }

    [Fact]
    public void A_store_file_someone_else_created_first_keeps_its_contents()
    {
        using (var store = new SqliteStore(Db)) { }
        using (var again = new SqliteStore(Db)) Assert.False(again.Created);
    }
}
