using Fastband.Core.Backup.Database;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fastband.Core.Tests.Backup;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SqliteBackupTests : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly SqliteDatabaseBackup _backup = new();

    public void Dispose() => _dir.Dispose();

    private string Db => Path.Combine(_dir.Root, "app.db");

    private DatabaseTarget Target => new() { Type = DatabaseTarget.Sqlite, Path = Db };

    private string Out => Path.Combine(_dir.Root, "backup");

    private IReadOnlyList<string> Q(string sql, string? path = null) => SqliteDatabaseBackup.Query(path ?? Db, sql);

    private string Snapshot(string? path = null) =>
        string.Join("|", Q("SELECT id || ':' || name FROM items ORDER BY id", path))
        + "#" + string.Join(",", Q("SELECT name FROM pragma_table_info('items')", path))
        + "#" + string.Join(",", Q("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name", path));

    private void Seed()
    {
        Q("PRAGMA journal_mode=WAL");
        Q("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE TABLE notes(body TEXT)");
        for (int i = 1; i <= 50; i++) Q($"INSERT INTO items(id, name) VALUES ({i}, 'item {i}')");
    }

    [Fact]
    public void Dump_change_restore_gives_back_the_original()
    {
        Seed();
        string before = Snapshot();

        var result = _backup.Dump(Target, Out, CancellationToken.None);

        Assert.Equal(Path.Combine(Out, "database.sqlite"), result.File);
        Assert.True(result.SizeBytes > 0);
        Assert.Contains("VACUUM INTO", result.Tool);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(result.File));
        Assert.Equal(new[] { "database.sqlite" }, Directory.GetFiles(Out).Select(Path.GetFileName)); // no temp file, no -wal
        Assert.Equal(before, Snapshot(result.File));

        Q("INSERT INTO items(id, name) VALUES (51, 'new'); DELETE FROM items WHERE id <= 10; ALTER TABLE items ADD COLUMN extra TEXT; DROP TABLE notes");
        Assert.NotEqual(before, Snapshot());

        _backup.Restore(Target, result.File, CancellationToken.None);

        Assert.Equal(before, Snapshot());
        Assert.Equal("ok", Q("PRAGMA integrity_check").Single());
        Assert.False(File.Exists(Db + "-wal") && new FileInfo(Db + "-wal").Length > 0 && Q("SELECT count(*) FROM items").Single() != "50");
        Assert.Empty(Directory.GetFiles(_dir.Root, ".app.db.tmp-*"));
    }

    [Fact]
    public void The_dump_includes_commits_that_are_still_only_in_the_wal()
    {
        Seed();
        Core.Store.SqliteNative.EnsureInitialized();
        using var holder = new SqliteConnection($"Data Source={Db};Pooling=False");
        holder.Open();
        using (var c = holder.CreateCommand())
        {
            c.CommandText = "PRAGMA wal_autocheckpoint=0; INSERT INTO items(id, name) VALUES (1000, 'only in the wal')";
            c.ExecuteNonQuery();
        }
        Assert.True(new FileInfo(Db + "-wal").Length > 0);

        var result = _backup.Dump(Target, Out, CancellationToken.None);

        Assert.Equal("only in the wal", Q("SELECT name FROM items WHERE id = 1000", result.File).Single());
    }

    [Fact]
    public async Task A_dump_taken_while_a_writer_keeps_committing_is_a_consistent_prefix()
    {
        Q("PRAGMA journal_mode=WAL");
        Q("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, pad TEXT)");
        using var stop = new CancellationTokenSource();
        long committed = 0;
        var writer = Task.Run(() =>
        {
            Core.Store.SqliteNative.EnsureInitialized();
            using var connection = new SqliteConnection($"Data Source={Db};Pooling=False;Default Timeout=30");
            connection.Open();
            for (int i = 1; !stop.IsCancellationRequested; i++)
            {
                using var tx = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = $"INSERT INTO items(id, name, pad) VALUES ({i}, 'row {i}', zeroblob(2000))";
                insert.ExecuteNonQuery();
                tx.Commit();
                Interlocked.Exchange(ref committed, i);
            }
        });
        try
        {
            SpinWait.SpinUntil(() => Interlocked.Read(ref committed) >= 2000, TimeSpan.FromSeconds(30));
            long atStart = Interlocked.Read(ref committed);
            var result = _backup.Dump(Target, Out, CancellationToken.None);
            long atEnd = Interlocked.Read(ref committed);

            Assert.True(atEnd > atStart, $"the writer did not commit while the dump ran ({atStart} -> {atEnd}); the test proves nothing");
            var verification = _backup.VerifyInScratch(Target, result.File, CancellationToken.None);
            Assert.True(verification.Ok, verification.Detail);
            long rows = long.Parse(Q("SELECT count(*) FROM items", result.File).Single());
            long max = long.Parse(Q("SELECT max(id) FROM items", result.File).Single());
            Assert.InRange(rows, atStart, atEnd);
            Assert.Equal(rows, max); // exactly the rows 1..k: a committed prefix, nothing torn
        }
        finally
        {
            stop.Cancel();
            await writer;
        }
    }

    [Fact]
    public void Verify_passes_a_sound_dump_and_fails_a_damaged_one_with_the_reason()
    {
        Seed();
        var result = _backup.Dump(Target, Out, CancellationToken.None);

        var ok = _backup.VerifyInScratch(Target, result.File, CancellationToken.None);
        Assert.True(ok.Ok, ok.Detail);
        Assert.Contains("2 tables", ok.Detail);

        string header = Path.Combine(_dir.Root, "header.sqlite");
        File.Copy(result.File, header);
        using (var f = new FileStream(header, FileMode.Open)) f.Write("not a database!!"u8);
        var bad = _backup.VerifyInScratch(Target, header, CancellationToken.None);
        Assert.False(bad.Ok);
        Assert.Contains("not a database", bad.Detail);

        string pages = Path.Combine(_dir.Root, "pages.sqlite");
        File.Copy(result.File, pages);
        using (var f = new FileStream(pages, FileMode.Open))
        {
            f.Position = 4096 + 8; // inside the second page (the items table's b-tree)
            f.Write(Enumerable.Repeat((byte)0xA5, 3000).ToArray());
        }
        var damaged = _backup.VerifyInScratch(Target, pages, CancellationToken.None);
        Assert.False(damaged.Ok);
        Assert.True(damaged.Detail.StartsWith("integrity_check failed: ", StringComparison.Ordinal) || damaged.Detail.StartsWith("the dump could not be read as SQLite: ", StringComparison.Ordinal), damaged.Detail);

        var e = Assert.Throws<InvalidInputException>(() => _backup.Restore(Target, pages, CancellationToken.None));
        Assert.Equal("DatabaseDumpDamaged", e.ErrorId);
        Assert.Equal(50, int.Parse(Q("SELECT count(*) FROM items").Single())); // the database was left alone
    }

    [Fact]
    public void A_missing_database_is_reported_plainly()
    {
        var e = Assert.Throws<NotFoundException>(() => _backup.Dump(Target, Out, CancellationToken.None));
        Assert.Contains("does not exist", e.Message);
        Assert.False(File.Exists(Db));
    }
}
