using Fastband.Core.Backup;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fastband.Core.Tests.Backup;

/// <summary>A database going through the whole engine: configured in backup_config.yaml, dumped, verified, restored.</summary>
public sealed class BackupWithDatabaseTests : IDisposable
{
    private readonly TempProject _dir = new();

    public BackupWithDatabaseTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Root, "data"));
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, "backup_config.yaml"), "database:\n  type: sqlite\n  path: data/app.db\n");
        File.WriteAllText(Path.Combine(_dir.Root, "data", "notes.txt"), "kept as a plain data file");
        Sql("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT); INSERT INTO orders (item) VALUES ('apple'), ('pear');");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private string Db => Path.Combine(_dir.Root, "data", "app.db");

    private object? Sql(string sql)
    {
        using var c = new SqliteConnection($"Data Source={Db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    [Fact]
    public void The_database_is_dumped_verified_and_restored_through_the_engine_and_its_changes_count()
    {
        using var p = _dir.Open("db-agent");
        var created = p.Backups.Create(new BackupRequest());
        Assert.True(created.Created);
        var m = created.Backup!.Manifest;
        Assert.Equal("sqlite", m.DatabaseType);
        var dbArtifact = Assert.Single(m.Artifacts, a => a.Component == BackupComponent.Database);
        Assert.Equal("database.sqlite", dbArtifact.File);
        Assert.Contains("manual: never pruned", m.RetentionReason);
        // The live database file is its own component, never also copied raw into the data archive.
        Assert.DoesNotContain("app.db", string.Join(",", ReadNames(Path.Combine(created.Backup.Path, "data_backup.tar.gz"))));

        Assert.True(p.Backups.Create(new BackupRequest()).Skipped);
        Sql("INSERT INTO orders (item) VALUES ('plum')");
        Assert.True(p.Backups.Status().ChangesSinceLast.DatabaseChanged);

        var v = p.Backups.Verify(m.Id);
        Assert.True(v.Ok, string.Join("; ", v.Checks.Select(c => c.Detail)));
        Assert.Contains(v.Checks, c => c.Component == BackupComponent.Database && c.What == "restores");

        Sql("DELETE FROM orders; INSERT INTO orders (item) VALUES ('ruined')");
        SqliteConnection.ClearAllPools();
        var r = p.Backups.Restore(new RestoreRequest { BackupId = m.Id, Components = new[] { "database" } });
        Assert.True(r.DatabaseRestored);
        Assert.NotNull(r.SafetyBackupId);
        Assert.Equal(2L, Sql("SELECT COUNT(*) FROM orders"));
        Assert.Equal(0L, Sql("SELECT COUNT(*) FROM orders WHERE item = 'ruined'"));
        Assert.Contains(p.Backups.Find(r.SafetyBackupId!).Manifest.Artifacts, a => a.Component == BackupComponent.Database);
    }

    private static IEnumerable<string> ReadNames(string archive)
    {
        using var f = File.OpenRead(archive);
        using var gz = new System.IO.Compression.GZipStream(f, System.IO.Compression.CompressionMode.Decompress);
        using var tar = new System.Formats.Tar.TarReader(gz);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } e) names.Add(e.Name);
        return names;
    }
}
