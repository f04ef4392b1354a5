using System.Runtime.Versioning;
using Fastband.Core.Backup.Database;
using Fastband.Core.Tests.Concurrency;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Backup;

/// <summary>
/// PostgreSQL and MariaDB against the real servers tests/servers/start.sh runs. Each test works in its
/// own database, created and dropped here. They run in the multi-process collection: the password
/// test polls every process on the machine while the dump's child runs.
/// </summary>
[SupportedOSPlatform("linux")]
public abstract class ServerBackupTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _work = Path.Combine(Path.GetTempPath(), "fastband-dbtest-" + Guid.NewGuid().ToString("N")[..10]);

    protected ServerBackupTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_work);
        Database = "fastband_t_" + Guid.NewGuid().ToString("N")[..10];
        Admin(Server(null), $"CREATE DATABASE {Database}");
        Target = Server(Database);
    }

    protected string Database { get; }

    protected DatabaseTarget Target { get; }

    protected abstract IDatabaseBackup Backup { get; }

    /// <summary>The tool name that appears in the dump child's command line.</summary>
    protected abstract string DumpTool { get; }

    protected abstract string DumpFileName { get; }

    protected abstract DatabaseTarget Server(string? database);

    protected abstract string Admin(DatabaseTarget target, string sql);

    protected abstract string BigTableSql { get; }

    protected abstract string ColumnsSql { get; }

    protected string Sql(string sql) => Admin(Target, sql);

    protected string Out => Path.Combine(_work, "backup");

    public void Dispose()
    {
        try { Admin(Server(null), $"DROP DATABASE IF EXISTS {Database}"); } catch (FastbandException) { }
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private string Snapshot() =>
        Sql("SELECT id, name FROM items ORDER BY id").Trim() + "#" + Sql(ColumnsSql).Trim() + "#" + Sql("SELECT count(*) FROM notes").Trim();

    protected void Seed()
    {
        Sql("CREATE TABLE items(id int PRIMARY KEY, name varchar(100) NOT NULL)");
        Sql("CREATE TABLE notes(body varchar(100))");
        Sql("INSERT INTO items(id, name) VALUES " + string.Join(", ", Enumerable.Range(1, 40).Select(i => $"({i}, 'item {i}')")));
        Sql("INSERT INTO notes(body) VALUES ('a'), ('b')");
    }

    /// <summary>Until the server's fingerprint holds for 3 s (at most 90 s).</summary>
    private void WaitQuiet() => Assert.True(SpinWait.SpinUntil(() =>
    {
        var a = Backup.Fingerprint(Target, CancellationToken.None);
        Thread.Sleep(3000);
        return a == Backup.Fingerprint(Target, CancellationToken.None);
    }, TimeSpan.FromSeconds(90)), "the database never went quiet");

    [Fact]
    public void The_fingerprint_holds_through_reads_and_moves_with_a_write()
    {
        Seed();
        // The fingerprint is server-wide, and background work (InnoDB purge and flushing after the seed, autovacuum)
        // moves it too: wait for quiet, and allow a few attempts. A read that always moved it fails every one.
        string? before = null;
        bool held = false;
        for (int attempt = 0; attempt < 4 && !held; attempt++)
        {
            WaitQuiet();
            before = Backup.Fingerprint(Target, CancellationToken.None);
            Assert.NotNull(before);
            Sql("SELECT count(*) FROM items");
            held = before == Backup.Fingerprint(Target, CancellationToken.None);
        }
        Assert.True(held, "a read moved the fingerprint on every attempt");
        Sql("INSERT INTO items(id, name) VALUES (99, 'changed')");
        Assert.NotEqual(before, Backup.Fingerprint(Target, CancellationToken.None));
    }

    [Fact]
    public void The_engine_skips_an_unchanged_server_database_and_backs_it_up_after_a_write()
    {
        Seed();
        string project = Path.Combine(_work, "project");
        Directory.CreateDirectory(Path.Combine(project, ".fastband"));
        File.WriteAllText(Path.Combine(project, "app.txt"), "code");
        string passwordVariable = Target.Type == DatabaseTarget.Postgres ? "FASTBAND_TEST_PG_PASSWORD" : "FASTBAND_TEST_MYSQL_PASSWORD";
        File.WriteAllText(Path.Combine(project, ".fastband", "backup_config.yaml"),
            $"database:\n  type: {Target.Type}\n  host: {Target.Host}\n  port: {Target.EffectivePort}\n  name: {Target.Name}\n  user: {Target.User}\n  passwordEnv: {passwordVariable}\n");
        // A new PostgreSQL database carries dead catalog tuples from its template; the first pg_dump's catalog reads would
        // prune them (WAL PRUNE records) and move the WAL position between two backups of unchanged data. Vacuum them
        // first, as autovacuum has in a database that has lived a while.
        if (Target.Type == DatabaseTarget.Postgres) Sql("VACUUM");
        // InnoDB keeps writing redo (purge, flushing) for a moment after the seed's inserts: start from a quiet server,
        // as a scheduled backup normally does. (Until then a re-run backs up again: extra, never missed.)
        WaitQuiet();
        using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = project, Agent = "db-test" });
        var first = p.Backups.Create(new Fastband.Core.Backup.BackupRequest());
        Assert.True(first.Created);
        Assert.Equal(Target.Type, first.Backup!.Manifest.DatabaseType);
        Assert.DoesNotContain(TestServers.Password(Target), File.ReadAllText(Path.Combine(first.Backup.Path, "manifest.json")));
        var again = p.Backups.Create(new Fastband.Core.Backup.BackupRequest());
        // The fingerprint is the server's WAL position, which background work in other databases of the same server
        // (autovacuum after the store tests' schema churn) also moves: then the re-run backs up again (extra, never
        // missed). Each retry waits for quiet and backs up twice; an engine that never skips fails every time.
        for (int retry = 0; retry < 4 && !again.Skipped; retry++)
        {
            WaitQuiet();
            p.Backups.Create(new Fastband.Core.Backup.BackupRequest());
            again = p.Backups.Create(new Fastband.Core.Backup.BackupRequest());
        }
        Assert.True(again.Skipped, again.Reason);
        Sql("INSERT INTO notes(body) VALUES ('after the backup')");
        var after = p.Backups.Create(new Fastband.Core.Backup.BackupRequest());
        Assert.True(after.Created, after.Reason);
        Assert.True(after.Changes.DatabaseChanged);
    }

    [Fact]
    public void Dump_change_restore_gives_back_the_original()
    {
        Seed();
        string before = Snapshot();

        var result = Backup.Dump(Target, Out, CancellationToken.None);

        Assert.Equal(Path.Combine(Out, DumpFileName), result.File);
        Assert.True(result.SizeBytes > 0);
        Assert.Contains(DumpTool.Split('-')[0], result.Tool, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(result.File));
        Assert.Equal(new[] { DumpFileName }, Directory.GetFiles(Out).Select(Path.GetFileName));
        _output.WriteLine($"{result.Tool}: {result.SizeBytes} bytes");

        Sql("INSERT INTO items(id, name) VALUES (41, 'new')");
        Sql("DELETE FROM items WHERE id <= 10");
        Sql("ALTER TABLE items ADD COLUMN extra int");
        Sql("DELETE FROM notes");
        Assert.NotEqual(before, Snapshot());

        Backup.Restore(Target, result.File, CancellationToken.None);

        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void Verify_restores_into_a_scratch_database_and_a_damaged_dump_fails_with_the_reason()
    {
        Seed();
        var result = Backup.Dump(Target, Out, CancellationToken.None);

        var ok = Backup.VerifyInScratch(Target, result.File, CancellationToken.None);
        Assert.True(ok.Ok, ok.Detail);
        Assert.Contains("2 tables", ok.Detail);

        byte[] bytes = File.ReadAllBytes(result.File);
        string damaged = Path.Combine(_work, "damaged-" + DumpFileName);
        var copy = (byte[])bytes.Clone();
        for (int i = 0; i < Math.Min(64, copy.Length); i++) copy[i] ^= 0x5A; // the header
        File.WriteAllBytes(damaged, copy);
        var bad = Backup.VerifyInScratch(Target, damaged, CancellationToken.None);
        _output.WriteLine("damaged header: " + bad.Detail);
        Assert.False(bad.Ok);
        Assert.False(string.IsNullOrWhiteSpace(bad.Detail));

        string truncated = Path.Combine(_work, "truncated-" + DumpFileName);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var cut = Backup.VerifyInScratch(Target, truncated, CancellationToken.None);
        _output.WriteLine("truncated: " + cut.Detail);
        Assert.False(cut.Ok);

        var e = Assert.ThrowsAny<FastbandException>(() => Backup.Restore(Target, damaged, CancellationToken.None));
        Assert.Equal("DatabaseDumpDamaged", e.ErrorId);
        Assert.Contains("40", Sql("SELECT count(*) FROM items")); // left alone
        Assert.DoesNotContain("fastband_verify_", Admin(Server(null), ListDatabasesSql));
    }

    protected abstract string ListDatabasesSql { get; }

    [Fact]
    public async Task The_password_never_shows_in_ps_while_the_dump_runs_and_its_file_is_gone_after()
    {
        Sql(BigTableSql);
        string password = TestServers.Password(Target);
        Assert.False(string.IsNullOrEmpty(password));

        var dump = Task.Run(() => Backup.Dump(Target, Out, CancellationToken.None));
        var seen = ProcessWatch.While(dump, password, DumpTool);
        var result = await dump;

        _output.WriteLine($"polls that saw {DumpTool}: {seen.Seen}; {result.SizeBytes} bytes");
        Assert.True(seen.Seen > 0, $"no {DumpTool} child was observed while the dump ran: the test proves nothing");
        Assert.Empty(seen.Leaks);
        var credentials = CredentialFiles(seen).ToArray();
        Assert.NotEmpty(credentials);
        foreach (string file in credentials)
        {
            Assert.False(File.Exists(file), $"the credentials file {file} is still there");
            Assert.False(Directory.Exists(Path.GetDirectoryName(file)), $"the credentials folder of {file} is still there");
        }
    }

    /// <summary>
    /// A DATABASE_URL with a percent-encoded password, and a secret of the caller's own, both in this process's
    /// environment (under names no other test reads): the dump's children see neither, nor the password either way
    /// it is written, nor any variable outside the allow-list.
    /// </summary>
    [Fact]
    public async Task The_tools_inherit_no_url_no_password_and_no_variable_outside_the_allow_list()
    {
        Sql(BigTableSql);
        string password = TestServers.Password(Target);
        string encoded = string.Concat(password.Select(c => $"%{(int)c:X2}"));
        string scheme = Target.Type == DatabaseTarget.Postgres ? "postgres" : "mysql";
        string url = $"{scheme}://{Uri.EscapeDataString(Target.User!)}:{encoded}@{Target.Host}:{Target.Port}/{Database}";
        string decoy = "decoy-" + Guid.NewGuid().ToString("N");
        string suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        string urlVariable = "FASTBAND_TEST_URL_" + suffix, decoyVariable = "FASTBAND_TEST_DECOY_" + suffix;
        Environment.SetEnvironmentVariable(urlVariable, url);
        Environment.SetEnvironmentVariable(decoyVariable, decoy);
        try
        {
            var target = DatabaseBackups.FromUrl(url, _work);
            Assert.Equal(password, target.ResolvePassword());
            var callers = Environment.GetEnvironmentVariables().Keys.Cast<string>().ToHashSet(StringComparer.Ordinal);
            Assert.Contains(decoyVariable, callers);

            var dump = Task.Run(() => Backup.Dump(target, Out, CancellationToken.None));
            var seen = ProcessWatch.While(dump, password, DumpTool);
            await dump;

            Assert.True(seen.Seen > 0, $"no {DumpTool} child was observed while the dump ran: the test proves nothing");
            Assert.Empty(seen.Leaks);
            foreach (string environ in seen.Environs)
            {
                foreach (var (what, secret) in new[] { ("the URL", url), ("the encoded password", encoded), ("the password", password), ("the decoy secret", decoy) })
                    Assert.False(environ.Contains(secret, StringComparison.Ordinal), $"{DumpTool}'s environment holds {what}");
                var names = environ.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(v => v.Split('=')[0]).ToArray();
                Assert.DoesNotContain(urlVariable, names);
                Assert.DoesNotContain(decoyVariable, names);
                // Of this process's variables only the allow-list gets through. A tool may set its own on the way:
                // Debian's pg_wrapper (what /usr/bin/pg_dump is there) sets PGSYSCONFDIR, PGCLUSTER, PGHOST, PGPORT.
                Assert.All(names.Where(callers.Contains), n => Assert.True(n is "PATH" or "HOME" or "LANG" or "TZ" or "TMPDIR" || n.StartsWith("LC_", StringComparison.Ordinal),
                    $"{DumpTool} inherited {n}, which is not on the allow-list"));
                Assert.Contains("PATH", names);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(urlVariable, null);
            Environment.SetEnvironmentVariable(decoyVariable, null);
        }
    }

    /// <summary>The credentials files the observed children were pointed at.</summary>
    protected abstract IEnumerable<string> CredentialFiles(ProcessWatch.Observation seen);

    [Fact]
    public void A_wrong_password_fails_clearly_without_showing_it()
    {
        string wrong = "Wr0ng-" + Guid.NewGuid().ToString("N")[..12];
        var target = Target with { PasswordEnv = null, UrlPassword = wrong };
        var before = Directory.GetDirectories(Path.GetTempPath(), "fastband-cred-*").ToHashSet();

        var e = Assert.ThrowsAny<FastbandException>(() => Backup.Dump(target, Out, CancellationToken.None));

        _output.WriteLine(e.Message);
        Assert.DoesNotContain(wrong, e.Message);
        Assert.Contains("password", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Target.User!, e.Message);
        Assert.False(File.Exists(Path.Combine(Out, DumpFileName)));
        Assert.Empty(Directory.Exists(Out) ? Directory.GetFiles(Out) : Array.Empty<string>());
        // No credentials folder of ours is left (others may come and go from parallel tests).
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "fastband-cred-*").Where(d => !before.Contains(d)),
            d => Directory.GetFiles(d).Any(f => File.ReadAllText(f).Contains(wrong)));
    }
}

[Collection(MultiProcessRaces.Name)]
[SupportedOSPlatform("linux")]
public sealed class PostgresBackupTests : ServerBackupTests
{
    public PostgresBackupTests(ITestOutputHelper output) : base(output) { }

    protected override IDatabaseBackup Backup { get; } = new PostgresDatabaseBackup();

    protected override string DumpTool => "pg_dump";

    protected override string DumpFileName => "database.dump";

    protected override DatabaseTarget Server(string? database) => TestServers.Postgres(database);

    protected override string Admin(DatabaseTarget target, string sql) => PostgresDatabaseBackup.Query(target, sql);

    protected override string BigTableSql =>
        "CREATE TABLE big AS SELECT g AS id, md5(g::text) || repeat('x', 200) AS body FROM generate_series(1, 300000) g";

    protected override string ColumnsSql =>
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'items'";

    protected override string ListDatabasesSql => "SELECT datname FROM pg_database";

    protected override IEnumerable<string> CredentialFiles(ProcessWatch.Observation seen) =>
        seen.Environs.SelectMany(e => e.Split('\0')).Where(v => v.StartsWith("PGPASSFILE=", StringComparison.Ordinal)).Select(v => v["PGPASSFILE=".Length..]).Distinct();

    [Fact]
    public void The_dump_names_the_pg_dump_version()
    {
        Sql("CREATE TABLE t(x int)");
        var result = Backup.Dump(Target, Out, CancellationToken.None);
        Assert.Matches(@"^pg_dump \(PostgreSQL\) \d+", result.Tool);
    }
}

[Collection(MultiProcessRaces.Name)]
[SupportedOSPlatform("linux")]
public sealed class MySqlBackupTests : ServerBackupTests
{
    private readonly ITestOutputHelper _output;

    public MySqlBackupTests(ITestOutputHelper output) : base(output) => _output = output;

    protected override IDatabaseBackup Backup { get; } = new MySqlDatabaseBackup();

    protected override string DumpTool => File.Exists("/usr/bin/mariadb-dump") ? "mariadb-dump" : "mysqldump";

    protected override string DumpFileName => "database.sql.gz";

    protected override DatabaseTarget Server(string? database) => TestServers.MySql(database);

    protected override string Admin(DatabaseTarget target, string sql) => MySqlDatabaseBackup.Query(target, sql);

    protected override string BigTableSql =>
        "CREATE TABLE big ENGINE=InnoDB AS SELECT seq AS id, CONCAT(MD5(seq), REPEAT('x', 200)) AS body FROM seq_1_to_300000";

    protected override string ColumnsSql =>
        $"SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '{Database}' AND table_name = 'items'";

    protected override string ListDatabasesSql => "SHOW DATABASES";

    protected override IEnumerable<string> CredentialFiles(ProcessWatch.Observation seen) =>
        seen.Cmdlines.SelectMany(c => c.Split(' ')).Where(a => a.StartsWith("--defaults-extra-file=", StringComparison.Ordinal)).Select(a => a["--defaults-extra-file=".Length..]).Distinct();

    [Fact]
    public void The_engine_status_fingerprint_used_where_no_status_variable_exists_also_holds_and_moves()
    {
        // MySQL before 8.0.30 has neither LSN status variable; the fallback reads SHOW ENGINE INNODB STATUS,
        // which MariaDB has too, so the fallback is exercised here against the real server.
        Seed();
        Assert.True(SpinWait.SpinUntil(() =>
        {
            var a = MySqlFingerprint.FromEngineStatus(Target, CancellationToken.None);
            Thread.Sleep(3000);
            return a is not null && a == MySqlFingerprint.FromEngineStatus(Target, CancellationToken.None);
        }, TimeSpan.FromSeconds(90)), "the database never went quiet, or the engine status had no log sequence number");
        var before = MySqlFingerprint.FromEngineStatus(Target, CancellationToken.None);
        Sql("SELECT count(*) FROM items");
        Assert.Equal(before, MySqlFingerprint.FromEngineStatus(Target, CancellationToken.None));
        Sql("INSERT INTO items(id, name) VALUES (99, 'changed')");
        Assert.NotEqual(before, MySqlFingerprint.FromEngineStatus(Target, CancellationToken.None));
    }

    [Theory]
    [InlineData("Innodb_lsn_current", "123456", "123456")]
    [InlineData("Innodb_redo_log_current_lsn", "98765", "98765")]
    [InlineData("Innodb_lsn_current", "", null)]
    [InlineData(null, null, null)]
    public void The_lsn_is_read_from_either_servers_status_variable(string? name, string? value, string? expected) =>
        Assert.Equal(expected, MySqlFingerprint.LsnFromStatus(name is null ? Array.Empty<string?[]>() : new[] { new[] { name, value } }));

    [Fact]
    public void The_fingerprint_is_the_servers_log_sequence_number_and_moves_with_an_update_and_a_delete()
    {
        Seed();
        // Read the LSN ourselves around the fingerprint: it must lie between (it is the server's number, not a constant).
        long Lsn() => long.Parse(Sql("SHOW GLOBAL STATUS LIKE 'Innodb_lsn_current'").Split('\t')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        long low = Lsn();
        string? print = Backup.Fingerprint(Target, CancellationToken.None);
        long high = Lsn();
        Assert.NotNull(print);
        Assert.StartsWith("innodb-lsn:", print);
        long value = long.Parse(print!["innodb-lsn:".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(value, low, high);

        Sql("UPDATE items SET name = 'renamed' WHERE id = 7");
        string? afterUpdate = Backup.Fingerprint(Target, CancellationToken.None);
        Assert.NotEqual(print, afterUpdate);
        Sql("DELETE FROM notes");
        Assert.NotEqual(afterUpdate, Backup.Fingerprint(Target, CancellationToken.None));
    }

    [Fact]
    public void Writes_the_innodb_lsn_does_not_see_still_move_the_fingerprint()
    {
        // A MyISAM table, a view, a routine and a trigger write no InnoDB redo: without the objects digest each of
        // these changes would leave the fingerprint where it was and the next backup would be skipped.
        Seed();
        string? Objects()
        {
            string? print = Backup.Fingerprint(Target, CancellationToken.None);
            Assert.NotNull(print);
            int at = print!.IndexOf(";objects:", StringComparison.Ordinal);
            return at < 0 ? null : print[(at + ";objects:".Length)..];
        }
        Assert.Null(Objects()); // InnoDB tables only: the plain LSN
        Sql("CREATE TABLE plain(id int PRIMARY KEY, body varchar(20)) ENGINE=MyISAM");
        Sql("INSERT INTO plain VALUES (1, 'aaaa'), (2, 'bbbb')");
        string? start = Objects();
        Assert.NotNull(start);
        Sql("SELECT * FROM plain");
        Assert.Equal(start, Objects());

        var seen = new List<string?> { start };
        foreach (string change in new[]
        {
            "UPDATE plain SET body = 'cccc' WHERE id = 1", // same row count and size, within the same second
            "CREATE VIEW v_items AS SELECT id FROM items",
            "CREATE PROCEDURE p_count() SELECT COUNT(*) FROM items",
            "CREATE TRIGGER t_items BEFORE INSERT ON items FOR EACH ROW SET NEW.name = TRIM(NEW.name)",
        })
        {
            Sql(change);
            string? now = Objects();
            Assert.DoesNotContain(now, seen);
            seen.Add(now);
        }
    }

    [Fact]
    public void An_unreachable_server_has_no_fingerprint_so_the_database_counts_as_changed()
    {
        var closed = Target with { Port = ClosedPort() };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(Backup.Fingerprint(closed, CancellationToken.None));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(MySqlConversation.ConnectTimeoutSeconds + 5), $"took {clock.Elapsed}");
        Assert.Null(Backup.Fingerprint(Target with { PasswordEnv = null, UrlPassword = "Wr0ng-" + Guid.NewGuid().ToString("N")[..8] }, CancellationToken.None));
    }

    [Fact]
    public void Verify_counts_the_tables_of_its_scratch_schema_and_drops_it_also_when_the_load_fails()
    {
        Seed();
        var result = Backup.Dump(Target, Out, CancellationToken.None);
        // A third table after the dump: a count of the live database instead of the scratch schema would say 3.
        Sql("CREATE TABLE later(x int)");
        string before = ScratchSchemas();

        var ok = Backup.VerifyInScratch(Target, result.File, CancellationToken.None);
        Assert.True(ok.Ok, ok.Detail);
        Assert.Contains("; 2 tables", ok.Detail);
        Assert.Equal(before, ScratchSchemas());

        // Sound gzip, the trailer present, SQL the server refuses: the load fails after the schema was created.
        string broken = Path.Combine(Path.GetDirectoryName(Out)!, "broken.sql.gz");
        using (var file = File.Create(broken))
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes("CREATE TABLE ok_one(x int);\nTHIS IS NOT SQL;\n-- Dump completed on 2024-01-01\n"));
        }
        var bad = Backup.VerifyInScratch(Target, broken, CancellationToken.None);
        _output.WriteLine("broken load: " + bad.Detail);
        Assert.False(bad.Ok);
        Assert.Contains("loading the dump into " + MySqlDatabaseBackup.ScratchPrefix, bad.Detail);
        Assert.Equal(before, ScratchSchemas());
    }

    [Fact]
    public void A_wrong_password_is_told_as_access_denied_for_the_user_in_one_sentence_without_the_password()
    {
        string wrong = "Wr0ng-" + Guid.NewGuid().ToString("N")[..12];
        var target = Target with { PasswordEnv = null, UrlPassword = wrong };

        var e = Assert.ThrowsAny<FastbandException>(() => new MySqlConversation(target).Check(CancellationToken.None));

        _output.WriteLine(e.Message);
        Assert.Equal("DatabaseAccessDenied", e.ErrorId);
        Assert.StartsWith($"The MySQL/MariaDB server at {Target.Host}:{Target.EffectivePort} denied access to user '{Target.User}'", e.Message);
        Assert.Contains("password", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Single(e.Message.TrimEnd('.').Split(". "));
        for (Exception? x = e; x is not null; x = x.InnerException) Assert.DoesNotContain(wrong, x.Message);
        // The dump and the restore check the connection the same way before they start a tool.
        var dump = Assert.ThrowsAny<FastbandException>(() => Backup.Dump(target, Out, CancellationToken.None));
        Assert.Equal("DatabaseAccessDenied", dump.ErrorId);
        Assert.DoesNotContain(wrong, dump.Message);
    }

    [Fact]
    public void A_closed_port_and_an_unknown_database_each_get_their_own_sentence()
    {
        int port = ClosedPort();
        var unreachable = Assert.ThrowsAny<FastbandException>(() => new MySqlConversation(Target with { Port = port }).Check(CancellationToken.None));
        _output.WriteLine(unreachable.Message);
        Assert.Equal("DatabaseConnectFailed", unreachable.ErrorId);
        Assert.StartsWith($"Cannot connect to the MySQL/MariaDB server at {Target.Host}:{port}", unreachable.Message);

        string missing = "fastband_missing_" + Guid.NewGuid().ToString("N")[..8];
        var unknown = Assert.ThrowsAny<FastbandException>(() => new MySqlConversation(Target with { Name = missing }).Check(CancellationToken.None));
        _output.WriteLine(unknown.Message);
        Assert.Equal("DatabaseNotFound", unknown.ErrorId);
        Assert.Equal(FailureKind.NotFound, unknown.Kind);
        Assert.Contains($"has no database '{missing}'", unknown.Message);
        Assert.Null(Backup.Fingerprint(Target with { Name = missing }, CancellationToken.None));
    }

    [Fact]
    public void The_connection_string_comes_from_the_same_settings_as_the_tools()
    {
        var target = new DatabaseTarget { Type = DatabaseTarget.MySql, Host = "db.example", Port = 3307, Name = "shop", User = "backup", PasswordEnv = TestServers.MySqlPasswordEnv };
        var built = new MySqlConnector.MySqlConnectionStringBuilder(new MySqlConversation(target).ConnectionString("shop"));
        Assert.Equal("db.example", built.Server);
        Assert.Equal(3307u, built.Port);
        Assert.Equal("backup", built.UserID);
        Assert.Equal("shop", built.Database);
        Assert.Equal(Environment.GetEnvironmentVariable(TestServers.MySqlPasswordEnv), built.Password);
        Assert.Equal((uint)MySqlConversation.ConnectTimeoutSeconds, built.ConnectionTimeout);

        var fromUrl = DatabaseBackups.FromUrl("mariadb://u:s3cret%40x@h/db", "/");
        var url = new MySqlConnector.MySqlConnectionStringBuilder(new MySqlConversation(fromUrl).ConnectionString(null));
        Assert.Equal(("h", 3306u, "u", "s3cret@x", ""), (url.Server, url.Port, url.UserID, url.Password, url.Database));
        Assert.DoesNotContain("s3cret", fromUrl.ToString());
    }

    private string ScratchSchemas() =>
        Admin(Server(null), $"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE '{MySqlDatabaseBackup.ScratchPrefix}%'").Trim();

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task The_option_file_is_the_first_argument()
    {
        Sql(BigTableSql);
        var dump = Task.Run(() => Backup.Dump(Target, Out, CancellationToken.None));
        var seen = ProcessWatch.While(dump, TestServers.Password(Target), DumpTool);
        await dump;
        Assert.True(seen.Seen > 0, "the dump child was never observed");
        // Every call that connects starts with the option file; `--version` (asked for the manifest) connects to nothing.
        var connecting = seen.Cmdlines.Where(c => c.Split(' ')[1] != "--version").ToList();
        Assert.NotEmpty(connecting);
        Assert.All(connecting, c => Assert.StartsWith("--defaults-extra-file=", c.Split(' ')[1]));
    }
}
