using Fastband.Core.Store;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>What is particular to the SQLite store: WAL, durability, migrations.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => Path.Combine(_dir.Root, "s.db");

    private T Pragma<T>(string pragma)
    {
        using var c = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"PRAGMA {pragma};";
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T));
    }

    [Fact]
    public void A_new_store_is_in_WAL_mode_at_the_latest_schema_version()
    {
        using (var store = new SqliteStore(DbPath))
        {
            Assert.Equal(SqliteMigrations.Latest, store.SchemaVersion);
        }
        Assert.Equal("wal", Pragma<string>("journal_mode"));
        Assert.Equal(SqliteMigrations.Latest, Pragma<int>("user_version"));
    }

    [Fact]
    public void A_store_from_a_newer_Fastband_is_refused_untouched()
    {
        using (new SqliteStore(DbPath)) { }
        using (var c = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 99;";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<StoreException>(() => new SqliteStore(DbPath));
        Assert.Contains("newer than this Fastband", e.Message);
        Assert.Equal(99, Pragma<int>("user_version"));
    }

    [Fact]
    public void A_file_that_is_not_a_database_gives_one_clear_failure()
    {
        File.WriteAllText(DbPath, "this is not a database, just text that happens to be here............................................");
        var e = Assert.Throws<StoreException>(() => new SqliteStore(DbPath));
        Assert.Contains(DbPath, e.Message);
        Assert.StartsWith("this is not a database", File.ReadAllText(DbPath));
    }

    [Fact]
    public async Task Stores_opened_at_once_migrate_exactly_once()
    {
        var tasks = Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
        {
            using var s = new SqliteStore(DbPath);
            return s.SchemaVersion;
        })).ToArray();
        int[] versions = await Task.WhenAll(tasks);
        Assert.All(versions, v => Assert.Equal(SqliteMigrations.Latest, v));
        Assert.Equal(SqliteMigrations.Latest, Pragma<int>("user_version"));
    }

    [Fact]
    public void Every_write_transaction_begins_immediate()
    {
        // The source is the contract here: a deferred BEGIN that upgrades to a write fails with
        // SQLITE_BUSY without honouring the busy timeout. Grep the store for any other BEGIN.
        string src = FindRepoFile("src/Fastband.Core/Store/SqliteStore.cs");
        var begins = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(src), "\"BEGIN[^\"]*\"");
        Assert.NotEmpty(begins);
        Assert.All(begins, m => Assert.Equal("\"BEGIN IMMEDIATE;\"", m.Value));
    }

    internal static string FindRepoFile(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
