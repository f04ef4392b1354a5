using System.Reflection;
using System.Text.Json;
using Fastband.Core.OpsLog;
using Xunit;

namespace Fastband.Cli.Tests;

public sealed class OpsCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private int Count() => _cli.Run("ops", "read", "--limit", "0", "--json").Json.GetArrayLength();

    [Fact]
    public void Agents_status_on_a_new_store_shows_no_agents_directives_or_rebuilds()
    {
        _cli.CreateStore();
        var r = _cli.Run("agents", "status");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Active Agents:", r.Stdout);
        Assert.Contains("No active directives", r.Stdout);
        Assert.Contains("No active rebuilds", r.Stdout);
    }

    [Fact]
    public void The_latest_directive_shows_once_in_agents_status()
    {
        _cli.As("ops", "ops", "hold", "freeze");
        var status = _cli.Run("agents", "status");
        Assert.Single(status.Stdout.Split('\n'), l => l.Contains("Latest Directive", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Archiving_with_a_short_age_does_not_lift_a_hold()
    {
        _cli.As("ops", "ops", "hold", "migration");
        Thread.Sleep(1100);
        var r = _cli.Run("ops", "archive", "--older-than", "1s", "--json");
        Assert.Equal(0, r.Json.GetProperty("archivedCount").GetInt32());
        Assert.Equal(3, _cli.As("A", "ops", "check").ExitCode);
    }

    [Fact]
    public void Write_then_read_as_json_has_every_documented_field()
    {
        var w = _cli.As("MCP_Agent1", "ops", "write", "--type", "ticket_claimed", "--message", "Starting work", "--ticket", "1205", "--meta", "pr=481", "--meta", "phase=4");
        Assert.True(w.ExitCode == 0, w.ToString());
        Assert.Matches(@"^\[MCP_Agent1\]\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[#1205\] Starting work\s*$", w.Stdout);

        var r = _cli.Run("ops", "read", "--json");
        Assert.Equal(0, r.ExitCode);
        var e = Assert.Single(r.Json.EnumerateArray());
        foreach (var field in new[] { "id", "timestamp", "agent", "eventType", "message", "ticketId", "metadata", "formatted" })
            Assert.True(e.TryGetProperty(field, out _), $"missing {field} in {r.Stdout}");
        Assert.Equal("ticket_claimed", e.GetProperty("eventType").GetString());
        Assert.Equal("1205", e.GetProperty("ticketId").GetString());
        Assert.Equal("481", e.GetProperty("metadata").GetProperty("pr").GetString());
        Assert.Equal(w.Stdout.Trim(), e.GetProperty("formatted").GetString());
    }

    [Fact]
    public void Json_property_names_are_the_PowerShell_property_names_camelCased()
    {
        _cli.As("a", "ops", "write", "--type", "general", "--message", "m");
        var json = _cli.Run("ops", "read", "--json").Json[0];
        var expected = typeof(OpsLogEntry).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).OrderBy(n => n);
        Assert.Equal(expected, json.EnumerateObject().Select(p => p.Name).OrderBy(n => n));

        var status = _cli.Run("agents", "status", "--json").Json;
        var statusExpected = typeof(CoordinationStatus).GetProperties().Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).OrderBy(n => n);
        Assert.Equal(statusExpected, status.EnumerateObject().Select(p => p.Name).OrderBy(n => n));
    }

    [Fact]
    public void An_unknown_type_exits_2_with_one_line_listing_the_valid_types_and_writes_nothing()
    {
        var r = _cli.As("a", "ops", "write", "--type", "deployed", "--message", "x");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("clearance_granted", r.Stderr);
        Assert.Contains("review_complete", r.Stderr);
        Assert.Equal("", r.Stdout);
        Assert.Equal(0, Count());
    }

    [Theory]
    [InlineData("ops", "read", "--bogus")]
    [InlineData("ops", "write", "--message", "no type")]
    [InlineData("ops", "read", "--limit", "many")]
    [InlineData("ops", "read", "--since", "yesterday-ish")]
    [InlineData("ops", "rebuild", "--container", "web", "--status", "started")]
    [InlineData("ops", "write", "--type", "general", "--message", "m", "--meta", "novalue")]
    [InlineData("nosuchcommand")]
    public void Bad_usage_exits_2_with_a_sentence_on_stderr(params string[] args)
    {
        _cli.CreateStore();
        var r = _cli.Run(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.StartsWith("fastband: ", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void A_held_agent_granting_itself_clearance_exits_3_and_stays_held()
    {
        Assert.Equal(0, _cli.As("ops1", "ops", "hold", "freeze", "--agents", "B").ExitCode);
        var r = _cli.As("B", "ops", "clearance", "--to", "B", "--reason", "I am fine");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("ops1", r.Stderr);
        Assert.Equal(3, _cli.As("B", "ops", "check").ExitCode);
        Assert.Equal(0, _cli.As("ops1", "ops", "clearance", "--to", "B", "--reason", "go ahead").ExitCode);
        Assert.Equal(0, _cli.As("B", "ops", "check").ExitCode);
    }

    [Fact]
    public void Hold_check_clearance_lift_drive_the_exit_codes()
    {
        _cli.CreateStore();
        Assert.Equal(0, _cli.As("B", "ops", "check", "--ticket", "1206").ExitCode);
        Assert.Equal(0, _cli.As("ops1", "ops", "hold", "Database migration in progress").ExitCode);

        var blocked = _cli.As("B", "ops", "check", "--ticket", "1206");
        Assert.Equal(3, blocked.ExitCode);
        Assert.Contains("Database migration", blocked.Stdout);

        Assert.Equal(0, _cli.As("ops1", "ops", "clearance", "--to", "B", "--tickets", "1206,1207", "--reason", "no conflict").ExitCode);
        Assert.Equal(0, _cli.As("B", "ops", "check", "--ticket", "1206").ExitCode);
        Assert.Equal(0, _cli.As("B", "ops", "check", "--ticket", "1207").ExitCode);
        Assert.Equal(3, _cli.As("B", "ops", "check", "--ticket", "1208").ExitCode);
        Assert.Equal(3, _cli.As("A", "ops", "check", "--ticket", "1206").ExitCode);

        var d = _cli.Run("ops", "directive", "--json").Json;
        Assert.True(d.GetProperty("isClearance").GetBoolean());
        Assert.Equal(1, d.GetProperty("activeHolds").GetArrayLength());

        Assert.Equal(0, _cli.As("ops1", "ops", "lift", "migration finished").ExitCode);
        Assert.Equal(0, _cli.As("A", "ops", "check").ExitCode);
        var again = _cli.As("ops1", "ops", "lift");
        Assert.Equal(4, again.ExitCode);
        Assert.Contains("no hold in force", again.Stderr);
    }

    [Fact]
    public void Check_as_json_explains_the_block()
    {
        _cli.As("ops1", "ops", "hold", "freeze", "--agents", "A", "--tickets", "7");
        var r = _cli.As("A", "ops", "check", "--ticket", "7", "--json");
        Assert.Equal(3, r.ExitCode);
        Assert.False(r.Json.GetProperty("allowed").GetBoolean());
        Assert.Equal("freeze", r.Json.GetProperty("blockingHolds")[0].GetProperty("reason").GetString());
        Assert.Equal(0, _cli.As("B", "ops", "check", "--ticket", "7").ExitCode);
    }

    [Fact]
    public void A_rebuild_blocks_others_until_complete()
    {
        Assert.Equal(0, _cli.As("A1", "ops", "rebuild", "--container", "webapp", "--ticket", "1205", "--files", "a.html,b.css", "--status", "requested").ExitCode);
        var list = _cli.Run("ops", "rebuilds", "--json").Json;
        Assert.Equal("webapp", list[0].GetProperty("container").GetString());
        Assert.Equal(3, _cli.As("A2", "ops", "check").ExitCode);
        Assert.Equal(0, _cli.As("A1", "ops", "check").ExitCode);
        Assert.Contains("REBUILDING", _cli.Run("agents", "status").Stdout);
        Assert.Equal(0, _cli.As("A1", "ops", "rebuild", "--container", "webapp", "--ticket", "1205", "--status", "complete").ExitCode);
        Assert.Equal(0, _cli.As("A2", "ops", "check").ExitCode);
        Assert.Equal("No active rebuilds.", _cli.Run("ops", "rebuilds").Stdout.Trim());
    }

    [Fact]
    public void Agents_register_list_and_ticket_conflicts()
    {
        Assert.Equal(0, _cli.As("B", "agents", "register", "--ticket", "1205").ExitCode);
        Assert.Equal(0, _cli.As("A", "agents", "register").ExitCode);
        var list = _cli.Run("agents", "list", "--json").Json;
        Assert.Equal(2, list.GetArrayLength());

        var conflict = _cli.As("A", "tickets", "conflicts", "--ticket", "1205");
        Assert.Equal(3, conflict.ExitCode);
        Assert.Contains("Contact B", conflict.Stdout);
        Assert.Equal(0, _cli.As("A", "tickets", "conflicts", "--ticket", "9").ExitCode);
        Assert.Equal(0, _cli.As("B", "tickets", "conflicts", "--ticket", "1205").ExitCode);

        var request = _cli.As("A", "ops", "request-clearance", "--tickets", "1205", "--reason", "shared file", "--json");
        Assert.Equal(1, request.Json.GetProperty("notifiedCount").GetInt32());
    }

    [Fact]
    public void Without_an_agent_name_writes_go_in_as_unknown_agent_with_a_warning()
    {
        var r = _cli.Run("ops", "write", "--type", "general", "--message", "who am I");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("warning", r.Stderr);
        Assert.StartsWith("[unknown_agent]", r.Stdout);

        var fromEnv = _cli.RunIn(null, new Dictionary<string, string> { ["AGENT_ID"] = "seed_agent" }, "ops", "write", "--type", "general", "--message", "m");
        Assert.StartsWith("[seed_agent]", fromEnv.Stdout);
        Assert.Equal("", fromEnv.Stderr);
    }

    [Fact]
    public void Read_filters_by_agent_type_ticket_and_limit()
    {
        _cli.As("A", "ops", "write", "--type", "general", "--message", "a1");
        _cli.As("B", "ops", "write", "--type", "status_update", "--message", "b1", "--ticket", "5");
        _cli.As("A", "ops", "write", "--type", "status_update", "--message", "a2");
        string Msgs(params string[] args) => string.Join(",", _cli.Run(new[] { "ops", "read", "--json" }.Concat(args).ToArray()).Json.EnumerateArray().Select(e => e.GetProperty("message").GetString()));
        Assert.Equal("a2,b1,a1", Msgs());
        Assert.Equal("a2,a1", Msgs("--agent", "A"));
        Assert.Equal("a2,b1", Msgs("--type", "status_update"));
        Assert.Equal("b1", Msgs("--ticket", "5"));
        Assert.Equal("a2", Msgs("--limit", "1"));
        Assert.Equal("a2,b1,a1", Msgs("--since", "1h"));
        Assert.Equal("", Msgs("--until", "1h"));
    }

    [Fact]
    public void A_malformed_config_exits_2_and_creates_no_store()
    {
        Directory.CreateDirectory(Path.Combine(_cli.Root, ".fastband"));
        File.WriteAllText(Path.Combine(_cli.Root, ".fastband", "config.json"), "{ oops");
        var r = _cli.As("a", "ops", "write", "--type", "general", "--message", "m");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("config.json", r.Stderr);
        Assert.False(File.Exists(_cli.Db));
    }

    [Fact]
    public void A_store_that_is_not_a_database_fails_with_exit_1_in_one_line_and_is_left_alone()
    {
        Directory.CreateDirectory(Path.Combine(_cli.Root, ".fastband"));
        string junk = new string('x', 4096);
        File.WriteAllText(_cli.Db, junk);
        var r = _cli.As("a", "ops", "write", "--type", "general", "--message", "m");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("fastband.db", r.Stderr);
        Assert.DoesNotContain(" at ", r.Stderr); // no stack trace
        Assert.Equal(junk, File.ReadAllText(_cli.Db));
    }

    [Fact]
    public void The_project_is_found_from_a_subfolder_or_FASTBAND_PROJECT()
    {
        _cli.As("a", "ops", "write", "--type", "general", "--message", "at the root");
        string sub = Path.Combine(_cli.Root, "src", "lib");
        Directory.CreateDirectory(sub);
        Assert.Single(_cli.RunIn(sub, null, "ops", "read", "--json").Json.EnumerateArray());

        using var elsewhere = new CliRunner();
        var viaEnv = elsewhere.RunIn(null, new Dictionary<string, string> { ["FASTBAND_PROJECT"] = _cli.Root }, "ops", "read", "--json");
        Assert.Single(viaEnv.Json.EnumerateArray());
        Assert.Single(elsewhere.Run("--project", _cli.Root, "ops", "read", "--json").Json.EnumerateArray());
        Assert.Equal(4, elsewhere.Run("--project", Path.Combine(_cli.Root, "nope"), "ops", "read").ExitCode);
    }

    [Fact]
    public void Wait_times_out_with_3_and_returns_0_once_the_hold_is_lifted()
    {
        _cli.As("ops1", "ops", "hold", "pause");
        Assert.Equal(3, _cli.As("A", "ops", "wait", "--timeout", "1s", "--interval", "100ms").ExitCode);

        using var waiter = _cli.Start(new[] { "--agent", "A", "ops", "wait", "--timeout", "120s", "--interval", "100ms" });
        Thread.Sleep(1500);
        Assert.False(waiter.HasExited);
        Assert.Equal(0, _cli.As("ops1", "ops", "lift").ExitCode);
        waiter.WaitForExit("ops wait to return after the lift", TimeSpan.FromSeconds(60));
        Assert.Equal(0, waiter.ExitCode);
    }

    [Fact]
    public async Task Follow_prints_new_entries_as_json_lines_as_they_arrive()
    {
        _cli.As("a", "ops", "write", "--type", "general", "--message", "old");
        using var follower = _cli.Start(new[] { "ops", "read", "--follow", "--json", "--type", "general" });
        var first = await follower.ReadLineAsync("ops read --follow to print the entry written before it started");
        Assert.Equal("old", JsonDocument.Parse(first).RootElement.GetProperty("message").GetString());

        _cli.As("b", "ops", "write", "--type", "hold", "--message", "not followed");
        _cli.As("b", "ops", "write", "--type", "general", "--message", "new");
        var line = await follower.ReadLineAsync("ops read --follow to print the entry written while it followed");
        Assert.Equal("new", JsonDocument.Parse(line).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void Several_CLI_processes_writing_at_once_lose_nothing()
    {
        const int processes = 6, each = 15;
        var starts = new DateTimeOffset[processes];
        var ends = new DateTimeOffset[processes];
        var threads = Enumerable.Range(0, processes).Select(i => new Thread(() =>
        {
            starts[i] = DateTimeOffset.UtcNow;
            for (int n = 0; n < each; n++)
            {
                var r = _cli.As($"w{i}", "ops", "write", "--type", "general", "--message", $"w{i} {n}");
                if (r.ExitCode != 0) throw new InvalidOperationException(r.ToString());
            }
            ends[i] = DateTimeOffset.UtcNow;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.True(starts.Max() < ends.Min(), "the CLI writers did not overlap");

        var all = _cli.Run("ops", "read", "--limit", "0", "--json").Json.EnumerateArray().ToList();
        Assert.Equal(processes * each, all.Count);
        Assert.Equal(all.Count, all.Select(e => e.GetProperty("id").GetInt64()).Distinct().Count());
        for (int i = 0; i < processes; i++)
            Assert.Equal(each, all.Count(e => e.GetProperty("agent").GetString() == $"w{i}"));
    }

    [Fact]
    public void Archive_moves_old_entries_and_read_can_include_them()
    {
        Directory.CreateDirectory(Path.Combine(_cli.Root, ".fastband"));
        File.WriteAllText(Path.Combine(_cli.Root, ".fastband", "config.json"), """{ "opsLog": { "directiveWindow": "1s", "rebuildTimeout": "500ms" } }""");
        _cli.As("a", "ops", "write", "--type", "general", "--message", "soon archived");
        Thread.Sleep(1500);
        var r = _cli.Run("ops", "archive", "--older-than", "1s", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(1, r.Json.GetProperty("archivedCount").GetInt32());
        Assert.Equal(0, Count());
        var withArchive = _cli.Run("ops", "read", "--include-archive", "--json").Json;
        Assert.Equal("soon archived", Assert.Single(withArchive.EnumerateArray()).GetProperty("message").GetString());
        Assert.Single(Directory.GetFiles(Path.Combine(_cli.Root, ".fastband", "agent_ops", "archive"), "*.jsonl"));
    }
}
