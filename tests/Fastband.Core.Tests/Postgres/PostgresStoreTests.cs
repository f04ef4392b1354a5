using System.Globalization;
using Fastband.Core.Locks;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;
using Fastband.Core.Tests.Concurrency;
using Npgsql;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>What is particular to the PostgreSQL store: migrations, schemas as separate stores, copying to and from SQLite.</summary>
[Collection(MultiProcessRaces.Name)] // the backup tests fingerprint the server's WAL position: keep this traffic out of their way
public sealed class PostgresStoreTests : IDisposable
{
    private readonly List<string> _schemas = new();
    private readonly TempProject _dir = new();

    public void Dispose()
    {
        foreach (var s in _schemas) PgTestServer.DropSchema(s);
        _dir.Dispose();
    }

    private string Schema(string label = "st")
    {
        string s = PgTestServer.NewSchema(label);
        _schemas.Add(s);
        return s;
    }

    private static long Count(string schema, string sql)
    {
        using var c = new NpgsqlConnection(PgTestServer.Target(schema).ConnectionString());
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Both_stores_have_the_same_number_of_migration_steps()
    {
        // A step added to one backend without the other would leave the stores at versions that do not copy.
        Assert.Equal(SqliteMigrations.Latest, PostgresMigrations.Latest);
    }

    [Fact]
    public void A_new_store_is_at_the_latest_version_recorded_in_schema_version()
    {
        string schema = Schema();
        using (var store = new PostgresStore(PgTestServer.Target(schema)))
        {
            Assert.Equal(PostgresMigrations.Latest, store.SchemaVersion);
            Assert.True(store.Created);
        }
        using (var again = new PostgresStore(PgTestServer.Target(schema))) Assert.False(again.Created);
        Assert.Equal(PostgresMigrations.Latest, Count(schema, "SELECT version FROM schema_version"));
        Assert.Equal(1, Count(schema, "SELECT COUNT(*) FROM schema_version"));
    }

    [Fact]
    public void A_store_from_a_newer_Fastband_is_refused_untouched()
    {
        string schema = Schema();
        using (new PostgresStore(PgTestServer.Target(schema))) { }
        PgTestServer.Admin($"UPDATE \"{schema}\".schema_version SET version = 99;");
        var e = Assert.Throws<StoreException>(() => new PostgresStore(PgTestServer.Target(schema)));
        Assert.Contains("newer than this Fastband", e.Message);
        Assert.Equal(99, Count(schema, "SELECT version FROM schema_version"));
    }

    [Fact]
    public async Task Stores_opened_at_once_migrate_exactly_once()
    {
        string schema = Schema();
        var tasks = Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
        {
            using var s = new PostgresStore(PgTestServer.Target(schema));
            return (s.SchemaVersion, s.Created);
        })).ToArray();
        var opened = await Task.WhenAll(tasks);
        Assert.All(opened, o => Assert.Equal(PostgresMigrations.Latest, o.SchemaVersion));
        Assert.Single(opened, o => o.Created); // one of them created the tables; the others found them
        Assert.Equal(1, Count(schema, "SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(1, Count(schema, "SELECT COUNT(*) FROM counters WHERE name = 'fencing'")); // step 2's seed row went in once
        Assert.Equal(4, Count(schema, "SELECT COUNT(*) FROM counters")); // and step 6's three (issue, fix, claim)
    }

    [Fact]
    public void Two_schemas_of_one_database_are_two_stores()
    {
        using var a = new PostgresStore(PgTestServer.Target(Schema()));
        using var b = new PostgresStore(PgTestServer.Target(Schema()));
        a.OpsLog.Append(new NewOpsLogEntry("x", "general", "only in a", null, new Dictionary<string, object?>(), "h", 1), null);
        Assert.Equal(1, a.OpsLog.Count());
        Assert.Equal(0, b.OpsLog.Count());
        Assert.NotEqual(a.Channel(StoreTopics.OpsLog), b.Channel(StoreTopics.OpsLog));
    }

    [Fact]
    public void A_listener_is_woken_by_a_commit_and_not_by_a_rollback()
    {
        using var store = new PostgresStore(PgTestServer.Target(Schema()));
        using var listener = store.Notifications.Listen(StoreTopics.OpsLog);
        Assert.Throws<InvalidOperationException>(() => store.Locks.Write<int>(_ =>
        {
            store.Notify(StoreTopics.OpsLog);
            throw new InvalidOperationException("rolled back");
        }));
        Assert.False(listener.WaitForChange(TimeSpan.FromMilliseconds(10), new CancellationTokenSource(TimeSpan.FromSeconds(1)).Token));
        store.OpsLog.Append(new NewOpsLogEntry("x", "general", "committed", null, new Dictionary<string, object?>(), "h", 1), null);
        Assert.True(listener.WaitForChange(TimeSpan.FromMilliseconds(10), new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token));
    }

    [Fact]
    public void A_one_round_trip_write_that_fails_in_a_later_statement_leaves_nothing_behind()
    {
        // Appends and sends send the lock, the insert and the rest as one batch: PostgreSQL must run it as one transaction.
        using var store = new PostgresStore(PgTestServer.Target(Schema()));
        Assert.Throws<PostgresException>(() => store.InOneTrip(
            "INSERT INTO ops_log (ts_us, agent, event_type, message, host, pid) VALUES (1, 'x', 'general', 'half', 'h', 1) RETURNING id; SELECT 1 / 0;",
            Array.Empty<(string, object?)>(), r => r.GetInt64(0)));
        Assert.Equal(0, store.OpsLog.Count());
        store.OpsLog.Append(new NewOpsLogEntry("x", "general", "whole", null, new Dictionary<string, object?>(), "h", 1), null);
        Assert.Equal(1, store.OpsLog.Count()); // and the connection is usable afterwards
    }

    [Fact]
    public void The_health_check_reports_the_store_and_a_read_and_unhealthy_once_the_connection_is_gone()
    {
        var store = new PostgresStore(PgTestServer.Target(Schema()));
        var finding = Assert.Single(new Fastband.Core.Health.StoreHealthCheck(store).Check(DateTimeOffset.UtcNow));
        Assert.Equal(Fastband.Core.Health.HealthState.Healthy, finding.State);
        Assert.Equal("postgres", finding.Details["backend"]);
        Assert.Contains(store.Location, finding.Summary);
        store.Dispose();
        var gone = Assert.Single(new Fastband.Core.Health.StoreHealthCheck(store).Check(DateTimeOffset.UtcNow));
        Assert.Equal(Fastband.Core.Health.HealthState.Unhealthy, gone.State);
    }

    [Fact]
    public void The_quick_check_finds_a_missing_table_and_an_invalid_index()
    {
        string schema = Schema();
        using var store = new PostgresStore(PgTestServer.Target(schema));
        Assert.Empty(store.QuickCheck());
        PgTestServer.Admin($"DROP TABLE \"{schema}\".event_cursors;");
        // A unique index built concurrently over duplicates fails and stays behind, invalid.
        var twice = new Fastband.Core.Events.NewEvent(Fastband.Core.Events.InteractionChoice.Current, 0, "a", "message", "same");
        store.Events.Append(new[] { twice, twice }, TimeSpan.FromSeconds(5));
        Assert.Throws<PostgresException>(() => PgTestServer.Admin($"CREATE UNIQUE INDEX CONCURRENTLY ix_broken ON \"{schema}\".events (type);"));
        var problems = store.QuickCheck();
        Assert.Contains("table event_cursors is missing", problems);
        Assert.Contains("index ix_broken is invalid", problems);
        var finding = Assert.Single(new Fastband.Core.Health.StoreHealthCheck(store).Check(DateTimeOffset.UtcNow));
        Assert.Equal(Fastband.Core.Health.HealthState.Unhealthy, finding.State);
    }

    // ---------------------------------------------------------------- copying between backends

    /// <summary>Every row of every table, as text, and the id high-water marks: equal dumps mean equal stores.</summary>
    private static SortedDictionary<string, List<string>> Dump(IFastbandStore store)
    {
        var t = ((RelationalStore)store).Tables;
        var dump = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string table in t.Tables())
        {
            var columns = t.Columns(table).OrderBy(c => c, StringComparer.Ordinal).ToList();
            dump[table] = t.Rows(table, columns)
                .Select(r => string.Join("|", r.Select(v => v switch { null => "<null>", byte[] b => Convert.ToHexString(b), IFormattable f => f.ToString(null, CultureInfo.InvariantCulture), _ => v.ToString() })))
                .OrderBy(s => s, StringComparer.Ordinal).ToList();
        }
        dump["(high-water)"] = t.HighWaters().Where(kv => kv.Value > 0).Select(kv => $"{kv.Key}={kv.Value}").OrderBy(s => s, StringComparer.Ordinal).ToList();
        return dump;
    }

    private static void Populate(FastbandProject p, ManualClock clock)
    {
        p.Agents.Register("1205");
        for (int i = 0; i < 30; i++)
        {
            p.OpsLog.Write(OpsEventType.General, $"entry {i} é ✓", i % 3 == 0 ? "1205" : null, new Dictionary<string, object?> { ["i"] = i, ["nested"] = new Dictionary<string, object?> { ["ok"] = true } });
            clock.Advance(TimeSpan.FromHours(1));
        }
        clock.Advance(TimeSpan.FromDays(60));
        p.OpsLog.Write(OpsEventType.General, "the newest entry", null, null);
        Assert.True(p.OpsLog.Archive().ArchivedCount > 0); // the newest ids stay, older ones move out: ids below the high-water mark are gone
        var lease = p.Locks.Acquire(new LockRequest { Resources = new[] { "src/a.cs", "docs/**" }, Ttl = TimeSpan.FromHours(1) }).Lease!;
        var released = p.Locks.Acquire(new LockRequest { Resources = new[] { "tmp.txt" } }).Lease!;
        p.Locks.Release(released.LeaseId);
        Assert.NotNull(lease);
        // Two waiters, the newer one gone again: the highest ticket ever handed out is no longer in the table.
        var waiter = new LockWaiter { Agent = "w", Resources = new[] { "src/a.cs" }, Mode = LockMode.Exclusive, Host = "h", ProcessId = 1, EnqueuedAt = clock.GetUtcNow(), SeenAt = clock.GetUtcNow() };
        p.Store.Locks.Write(tx => tx.Enqueue(waiter));
        long gone = p.Store.Locks.Write(tx => tx.Enqueue(waiter));
        p.Store.Locks.Write(tx => { tx.DeleteWaiter(gone); return 0; });
        p.Store.Messages.Send(new Fastband.Core.Messaging.NewMessage("bob", "alice", "info", "t1", "hello"));
        p.Store.Messages.Send(new Fastband.Core.Messaging.NewMessage("bob", "alice", "info", null, "again"));
        p.Store.Messages.TakeUnread("bob", 1, clock.GetUtcNow());
        p.Store.Statuses.Set("alice", "in_progress", new[] { "src/a.cs" }, "1205", "note", clock.GetUtcNow());
        // The features of steps 4-6: heartbeats and a leader term, events and a cursor, issues with a blocker, a fix and the audit.
        p.Leader.Beat("agent");
        p.Leader.Campaign();
        p.Events.Log("message", "hello é ✓");
        p.Events.Log("response", "in a new interaction", newInteraction: true);
        p.Events.Ack(p.Events.Next().Last().Id);
        var blocker = p.Issues.Create("the blocker", "high");
        p.Issues.Create("blocked by it", blockedBy: new[] { blocker.Id });
        p.Issues.Claim(blocker.Id);
        var fix = p.Issues.Submit(new Fastband.Core.Issues.NewFix { IssueId = blocker.Id, Title = "a fix", Approach = "change it" });
        p.Issues.Apply(fix.Id);
        p.OpsLog.Write(OpsEventType.Hold, "freeze", null, null);
        p.Sessions.Save(new Fastband.Core.Sessions.SessionInput { SessionId = "s1", ConversationHistory = "[\"hi \u00e9 \u2713\"]", CurrentTask = "copy" });
        var state = p.Store.Sessions.GetSession("s1");
        p.Store.Sessions.SaveCheckpoint(new Fastband.Core.Git.CheckpointRecord("cp1", "0123abcd", "first", "alice", "s1", state, clock.GetUtcNow()));
        p.Store.Sessions.SaveSnapshot(new Fastband.Core.Git.SnapshotRecord("snap1", "4567ef01", "restore", "alice", "s1", state, clock.GetUtcNow()));
    }

    [Fact]
    public void A_store_copied_to_postgres_and_back_to_sqlite_is_equal_in_every_table_and_keeps_its_ids()
    {
        var clock = new ManualClock();
        using var project = _dir.Open("alice", clock);
        Populate(project, clock);
        var original = Dump(project.Store);
        long highWater = ((RelationalStore)project.Store).Tables.HighWaters()["ops_log"];
        long lastTicket = ((RelationalStore)project.Store).Tables.HighWaters()["lock_waiters"];
        Assert.True(lastTicket > project.Store.Locks.Waiters().Max(w => w.QueueNumber)); // the premise: the highest ticket was deleted

        using var pg = new PostgresStore(PgTestServer.Target(Schema("copy")), clock);
        var there = StoreCopy.Copy(project.Store, pg, force: false);
        Assert.Equal(original.Where(kv => kv.Key != "(high-water)").Sum(kv => kv.Value.Count), there.TotalRows);
        Assert.Equal(original, Dump(pg));

        string back = Path.Combine(_dir.Root, "back.db");
        using var sqlite = new SqliteStore(back, clock);
        var home = StoreCopy.Copy(pg, sqlite, force: false);
        Assert.Equal(there.TotalRows, home.TotalRows);
        Assert.Equal(original, Dump(sqlite));
        Assert.All(original, kv => Assert.NotEmpty(kv.Value)); // every table had rows to carry

        // The next id on either copy is above every id handed out before, archived or not.
        var next = pg.OpsLog.Append(new NewOpsLogEntry("x", "general", "after the copy", null, new Dictionary<string, object?>(), "h", 1), null);
        Assert.Equal(highWater + 1, next.Id);
        var nextHome = sqlite.OpsLog.Append(new NewOpsLogEntry("x", "general", "after the copy", null, new Dictionary<string, object?>(), "h", 1), null);
        Assert.Equal(highWater + 1, nextHome.Id);
        Assert.Equal(project.Store.Locks.Write(tx => tx.NextFencingToken()), pg.Locks.Write(tx => tx.NextFencingToken()));
        var waiter = new LockWaiter { Agent = "v", Resources = new[] { "x" }, Mode = LockMode.Exclusive, Host = "h", ProcessId = 1, EnqueuedAt = clock.GetUtcNow(), SeenAt = clock.GetUtcNow() };
        Assert.Equal(lastTicket + 1, pg.Locks.Write(tx => tx.Enqueue(waiter)));
        Assert.Equal(lastTicket + 1, sqlite.Locks.Write(tx => tx.Enqueue(waiter)));
        // Events, audit lines and generated issue ids go on from where the source was, on both copies.
        long lastEvent = project.Store.Events.LatestId();
        var e1 = pg.Events.Append(new[] { new Fastband.Core.Events.NewEvent(Fastband.Core.Events.InteractionChoice.Current, 0, "x", "message", "after") }, TimeSpan.FromSeconds(5));
        var e2 = sqlite.Events.Append(new[] { new Fastband.Core.Events.NewEvent(Fastband.Core.Events.InteractionChoice.Current, 0, "x", "message", "after") }, TimeSpan.FromSeconds(5));
        Assert.Equal(lastEvent + 1, e1[0]!.Id);
        Assert.Equal(lastEvent + 1, e2[0]!.Id);
        var actor = new Fastband.Core.Issues.IssueActor("x", "h", 1, null);
        var i1 = pg.Issues.CreateIssue(new Fastband.Core.Issues.NewIssue { Title = "after", Severity = "low" }, actor, clock.GetUtcNow());
        var i2 = sqlite.Issues.CreateIssue(new Fastband.Core.Issues.NewIssue { Title = "after", Severity = "low" }, actor, clock.GetUtcNow());
        Assert.Equal("issue_003", i1.Id);
        Assert.Equal(i1.Id, i2.Id);
        Assert.Equal(sqlite.Issues.ListAudit(new Fastband.Core.Issues.AuditQuery()).Last().Id, pg.Issues.ListAudit(new Fastband.Core.Issues.AuditQuery()).Last().Id);
    }

    [Fact]
    public void A_copy_into_a_store_with_data_is_refused_unless_forced_and_a_refused_copy_writes_nothing()
    {
        var clock = new ManualClock();
        using var project = _dir.Open("alice", clock);
        Populate(project, clock);
        using var pg = new PostgresStore(PgTestServer.Target(Schema("copy")), clock);
        pg.OpsLog.Append(new NewOpsLogEntry("x", "general", "already here", null, new Dictionary<string, object?>(), "h", 1), null);
        var before = Dump(pg);

        var e = Assert.Throws<BlockedException>(() => StoreCopy.Copy(project.Store, pg, force: false));
        Assert.Contains("ops_log 1", e.Message);
        Assert.Equal(before, Dump(pg));

        var forced = StoreCopy.Copy(project.Store, pg, force: true);
        Assert.True(forced.Replaced);
        Assert.DoesNotContain(pg.OpsLog.Query(new OpsLogQuery { Limit = 0 }), x => x.Message == "already here");
    }
}
