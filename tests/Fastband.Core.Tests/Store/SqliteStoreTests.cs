using Fastband.Core.OpsLog;
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
        // SQLITE_BUSY without honouring the busy timeout. Grep the store (every file but PostgreSQL's) for any other
        // BEGIN: the one deferred BEGIN is the read snapshot's (InReadSnapshot), which never writes.
        string store = Path.GetDirectoryName(Path.GetDirectoryName(FindRepoFile("src/Fastband.Core/Store/Sqlite/SqliteStore.cs")))!;
        var begins = Directory.GetFiles(store, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "Postgres" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "\"BEGIN[^\"]*\"").Select(m => m.Value))
            .ToList();
        Assert.Contains("\"BEGIN IMMEDIATE;\"", begins);
        Assert.All(begins, b => Assert.True(b is "\"BEGIN IMMEDIATE;\"" or "\"BEGIN DEFERRED; SELECT COUNT(*) FROM sqlite_master;\"", b));
        Assert.Single(begins, b => b.StartsWith("\"BEGIN DEFERRED", StringComparison.Ordinal));
    }

    [Fact]
    public void Time_ranges_cursors_and_agent_filters_are_served_by_an_index_not_a_table_scan()
    {
        using var store = new SqliteStore(DbPath);
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        string Plan(OpsLogQuery q) => string.Join(" | ", store.ExplainQuery(q));

        Assert.Contains("USING INDEX ix_ops_log_ts", Plan(new OpsLogQuery { Since = since, Limit = 0 }));
        Assert.Contains("USING INDEX ix_ops_log_ts", Plan(new OpsLogQuery { Since = since }));
        Assert.Contains("USING INDEX ix_ops_log_ts", Plan(new OpsLogQuery { Limit = OpsLogQuery.DefaultLimit })); // the CLI default: newest 100 of everything
        Assert.Contains("INTEGER PRIMARY KEY", Plan(new OpsLogQuery { AfterId = 5, OldestFirst = true, Limit = 1000 }));
        Assert.Contains("USING INDEX ix_ops_log_agent", Plan(new OpsLogQuery { Agent = "a1" }));
        Assert.Contains("USING INDEX ix_ops_log_type_ts", Plan(new OpsLogQuery { Since = since, EventTypes = new[] { "hold", "clearance_granted" }, Limit = 0 }));
        Assert.Contains("ix_ops_log_ticket", Plan(new OpsLogQuery { TicketId = "1205" }));

        // Control: ordering by id alone, as the first version did, makes SQLite walk the whole table.
        using var c = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN SELECT * FROM ops_log WHERE ts_us >= 0 ORDER BY id DESC";
        using var r = cmd.ExecuteReader();
        r.Read();
        Assert.StartsWith("SCAN", r.GetString(3));
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
