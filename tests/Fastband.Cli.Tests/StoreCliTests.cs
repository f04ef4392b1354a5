using System.Net;
using System.Net.Sockets;
using Fastband.Core.Tests;
using Fastband.Core.Tests.Postgres;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>The store selection, its errors, `store info`, `store migrate` and follow mode, through the real CLI.</summary>
public sealed class StoreCliTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly List<string> _schemas = new();
    public void Dispose()
    {
        foreach (var s in _schemas) PgTestServer.DropSchema(s);
        _cli.Dispose();
    }

    private string UsePostgres(string extraConfig = "")
    {
        string schema = PgTestServer.UsePostgres(_cli.Root, "cli", extraConfig);
        _schemas.Add(schema);
        return schema;
    }

    private string ConfigPath => Path.Combine(_cli.Root, ".fastband", "config.yaml");

    [Fact]
    public void Store_info_names_the_backend_location_and_schema_version_and_never_the_password()
    {
        _cli.CreateStore();
        var sqlite = _cli.Run("store", "info", "--json");
        Assert.True(sqlite.ExitCode == 0, sqlite.ToString());
        Assert.Equal("sqlite", sqlite.Json.GetProperty("backend").GetString());
        Assert.Equal("polling", sqlite.Json.GetProperty("notifications").GetString());

        string schema = UsePostgres();
        var pg = _cli.Run("store", "info", "--json");
        Assert.True(pg.ExitCode == 0, pg.ToString());
        Assert.Equal("postgres", pg.Json.GetProperty("backend").GetString());
        Assert.Equal($"postgres://{PgTestServer.User}@{PgTestServer.Host}:{PgTestServer.Port}/{PgTestServer.Database}?schema={schema}", pg.Json.GetProperty("location").GetString());
        Assert.True(pg.Json.GetProperty("schemaVersion").GetInt32() >= 3);
        Assert.Equal("listen-notify", pg.Json.GetProperty("notifications").GetString());

        // FASTBAND_STORE wins over the config, may carry the password (an environment variable), and never shows it.
        string url = $"postgres://{PgTestServer.User}:{Uri.EscapeDataString(PgTestServer.Password)}@{PgTestServer.Host}:{PgTestServer.Port}/{PgTestServer.Database}?schema={schema}";
        var env = _cli.RunIn(null, new Dictionary<string, string> { ["FASTBAND_STORE"] = url }, "store", "info");
        Assert.True(env.ExitCode == 0, env.ToString());
        Assert.Contains("FASTBAND_STORE", env.Stdout);
        Assert.DoesNotContain(PgTestServer.Password, env.Stdout + env.Stderr);
    }

    [Fact]
    public void A_password_written_in_the_config_is_refused_without_the_opt_in_and_never_echoed()
    {
        UsePostgres();
        string config = File.ReadAllText(ConfigPath);
        string withPassword = config.Replace($"Username={PgTestServer.User}", $"Username={PgTestServer.User};Password={PgTestServer.Password}");
        File.WriteAllText(ConfigPath, withPassword);

        var refused = _cli.As("a1", "ops", "write", "--type", "general", "--message", "should not land");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("holds a password in plain text", refused.Stderr);
        Assert.Contains("passwordEnv", refused.Stderr);
        Assert.DoesNotContain(PgTestServer.Password, refused.Stdout + refused.Stderr);
        Assert.False(File.Exists(_cli.Db), "a refused config must not fall back to a SQLite file");

        File.WriteAllText(ConfigPath, withPassword + "  allowPlaintextPassword: true\n");
        var accepted = _cli.As("a1", "ops", "write", "--type", "general", "--message", "lands", "--json");
        Assert.True(accepted.ExitCode == 0, accepted.ToString());
        Assert.DoesNotContain(PgTestServer.Password, accepted.Stdout + accepted.Stderr);
        Assert.Equal("lands", _cli.Run("ops", "read", "--json").Json[0].GetProperty("message").GetString());
    }

    [Fact]
    public void A_store_that_refuses_connections_fails_with_host_port_and_reason()
    {
        int closed = FreePort();
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, $"store:\n  connection: \"Host=127.0.0.1;Port={closed};Database=fastband;Username=fastband\"\n");
        var r = _cli.Run("store", "info");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"127.0.0.1:{closed}", r.Stderr);
        Assert.Contains("could not be reached", r.Stderr);
        Assert.Contains("refused", r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Single(r.Stderr.Trim().Split('\n')); // one sentence, no stack trace
        Assert.False(File.Exists(_cli.Db));
    }

    [Fact]
    public void Health_shows_the_store_once_with_its_backend_and_quick_check_on_both_backends()
    {
        foreach (var backend in new[] { "sqlite", "postgres" })
        {
            if (backend == "postgres") UsePostgres();
            _cli.CreateStore();
            var health = _cli.Run("health", "--json");
            var store = health.Json.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("check").GetString() == "store").ToList();
            var finding = Assert.Single(store);
            Assert.Equal("healthy", finding.GetProperty("state").GetString());
            Assert.Equal(backend, finding.GetProperty("details").GetProperty("backend").GetString());
            Assert.True(finding.GetProperty("details").GetProperty("schemaVersion").GetInt32() >= 6);
            Assert.Contains("quick check ok", finding.GetProperty("summary").GetString());
        }
    }

    [Fact]
    public void Events_log_queues_offline_when_the_store_cannot_be_reached_and_other_commands_say_why()
    {
        int closed = FreePort();
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, $"store:\n  connection: \"Host=127.0.0.1;Port={closed};Database=fastband;Username=fastband\"\n");
        var logged = _cli.As("a1", "events", "log", "message", "written while the server is away", "--json");
        Assert.True(logged.ExitCode == 0, logged.ToString());
        Assert.True(logged.Json.GetProperty("queued").GetBoolean());
        Assert.Contains("queued offline", logged.Stderr);
        string queue = Path.Combine(Path.GetDirectoryName(ConfigPath)!, "events.offline.log");
        Assert.Contains("written while the server is away", File.ReadAllText(queue));
        var read = _cli.Run("events", "read");
        Assert.Equal(1, read.ExitCode);
        Assert.Contains($"127.0.0.1:{closed}", read.Stderr);
        Assert.Contains("could not be reached", read.Stderr);
    }

    [Fact]
    public void A_store_that_never_answers_fails_at_the_connect_timeout()
    {
        // A listener on loopback that accepts and then says nothing, as a hung server or a black-holing firewall would.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        var acceptor = Task.Run(async () =>
        {
            try { while (true) accepted.Add(await silent.AcceptSocketAsync()); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, $"store:\n  connection: \"Host=127.0.0.1;Port={port};Database=fastband;Username=fastband\"\n  connectTimeout: 2s\n");
        var r = _cli.Run("store", "info");
        silent.Stop();
        foreach (var s in accepted) s.Dispose();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", r.Stderr);
        Assert.Contains("no answer within 2 s", r.Stderr);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public void Migrate_copies_to_postgres_says_what_it_copied_and_refuses_a_non_empty_target()
    {
        _cli.As("a1", "agents", "register");
        for (int i = 0; i < 3; i++) _cli.As("a1", "ops", "write", "--type", "general", "--message", $"entry {i}");
        _cli.As("a1", "lock", "acquire", "src/a.cs", "--ttl", "1h");
        string schema = PgTestServer.NewSchema("mig");
        _schemas.Add(schema);
        var env = new Dictionary<string, string> { ["PG_SECRET"] = PgTestServer.Password };
        string[] args = { "store", "migrate", "--to", "postgres", "--connection", PgTestServer.Connection, "--password-env", "PG_SECRET", "--schema", schema, "--json" };

        var r = _cli.RunIn(null, env, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        var tables = r.Json.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!, t => t.GetProperty("rows").GetInt64());
        Assert.Equal(3, tables["ops_log"]);
        Assert.Equal(1, tables["agents"]);
        Assert.Equal(1, tables["leases"]);
        Assert.Equal(tables.Values.Sum(), r.Json.GetProperty("totalRows").GetInt64());

        var again = _cli.RunIn(null, env, args);
        Assert.Equal(3, again.ExitCode);
        Assert.Contains("already holds data", again.Stderr);
        Assert.Contains("--force", again.Stderr);

        var forced = _cli.RunIn(null, env, args.Append("--force").ToArray());
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.True(forced.Json.GetProperty("replaced").GetBoolean());

        var onCommandLine = _cli.Run("store", "migrate", "--to", "postgres", "--connection", PgTestServer.Connection + ";Password=hunter2", "--schema", schema);
        Assert.Equal(2, onCommandLine.ExitCode);
        Assert.Contains("--password-env", onCommandLine.Stderr);
    }

    /// <summary>
    /// Two processes, each in a network namespace of its own (unshare -n: no interface but a loopback that is down),
    /// claiming different hosts, share one store through the server's Unix socket: a lock and a hold taken from one
    /// bind the other. The control: from inside such a namespace the server's TCP address is unreachable, so the
    /// processes really share nothing but the store.
    /// </summary>
    [Fact]
    public void Processes_in_separate_network_namespaces_share_locks_and_holds_through_the_store()
    {
        string? socketDir = Environment.GetEnvironmentVariable("FASTBAND_TEST_PG_SOCKET_DIR");
        Assert.True(!string.IsNullOrEmpty(socketDir), "FASTBAND_TEST_PG_SOCKET_DIR is not set: run tests/servers/start.sh and source .build/servers/env (test.sh does both).");
        var probe = ChildProcess.Run("unshare", "-n", "true");
        Assert.True(probe.ExitCode == 0, $"unshare -n does not work here ({probe.Stderr.Trim()}): this test needs root and util-linux.");
        string schema = PgTestServer.NewSchema("netns");
        _schemas.Add(schema);
        string store = $"Host={socketDir};Port={PgTestServer.Port};Database={PgTestServer.Database};Username={PgTestServer.User};Search Path={schema}";

        Result InNamespace(string host, string agent, params string[] args)
        {
            var psi = _cli.StartInfo(new[] { "--agent", agent }.Concat(args));
            psi.ArgumentList.Insert(0, psi.FileName);
            psi.ArgumentList.Insert(0, "-n");
            psi.FileName = "unshare";
            psi.Environment["FASTBAND_STORE"] = store;
            psi.Environment["FASTBAND_HOST"] = host;
            var r = ChildProcess.Run(psi);
            return new Result(r.ExitCode, r.Stdout, r.Stderr);
        }

        var taken = InNamespace("ns-a", "alice", "lock", "acquire", "src/app.cs", "--ttl", "1h");
        Assert.True(taken.ExitCode == 0, taken.ToString());
        var refused = InNamespace("ns-b", "bob", "lock", "acquire", "src/app.cs");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("alice", refused.Stdout + refused.Stderr);

        Assert.Equal(0, InNamespace("ns-a", "alice", "ops", "hold", "release freeze").ExitCode);
        Assert.Equal(3, InNamespace("ns-b", "bob", "ops", "check").ExitCode);
        var agents = InNamespace("ns-b", "bob", "agents", "list", "--all", "--json");
        Assert.Contains("ns-a", agents.Stdout);

        // The control: TCP to the same server from such a namespace goes nowhere.
        var psi = _cli.StartInfo(new[] { "store", "info" });
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.ArgumentList.Insert(0, "-n");
        psi.FileName = "unshare";
        psi.Environment["FASTBAND_STORE"] = $"{PgTestServer.Connection};Search Path={schema}";
        var tcp = ChildProcess.Run(psi);
        Assert.Equal(1, tcp.ExitCode);
        Assert.Contains("could not be reached", tcp.Stderr);
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    [Fact]
    public async Task Follow_on_postgres_is_woken_by_the_write_itself_not_by_polling()
    {
        // With an hour between polls, only the writer's NOTIFY can bring the new entry within the test's patience.
        UsePostgres("opsLog:\n  pollInterval: 1h\n");
        _cli.As("a", "ops", "write", "--type", "general", "--message", "before");
        using var follower = _cli.Start(new[] { "ops", "read", "--follow" });
        Assert.Contains("before", await follower.ReadLineAsync("the follower to print the entry written before it started"));

        var write = _cli.As("b", "ops", "write", "--type", "general", "--message", "woken by notify");
        Assert.True(write.ExitCode == 0, write.ToString());
        var line = await follower.ReadLineAsync("the follower to print the entry its NOTIFY announced");
        Assert.Contains("woken by notify", line);
    }

    [Fact]
    public async Task Negative_control_on_sqlite_the_same_follower_waits_for_its_hour_long_poll()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, "opsLog:\n  pollInterval: 1h\n");
        _cli.As("a", "ops", "write", "--type", "general", "--message", "before");
        using var follower = _cli.Start(new[] { "ops", "read", "--follow" });
        Assert.Contains("before", await follower.ReadLineAsync("the follower to print the entry written before it started"));

        _cli.As("b", "ops", "write", "--type", "general", "--message", "not pushed");
        var next = follower.StandardOutput.ReadLineAsync();
        await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.False(next.IsCompleted, "a polling follower printed the entry before its poll: the positive test would not prove the wake-up came from NOTIFY");
    }
}
