using System.Globalization;
using System.Text.Json;
using Fastband.Core.Tests;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fastband.Cli.Tests;

public sealed class EventsCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private string InRoot(string name) => Path.Combine(_cli.Root, name);

    private void Configure(string yaml)
    {
        Directory.CreateDirectory(Path.Combine(_cli.Root, ".fastband"));
        File.WriteAllText(Path.Combine(_cli.Root, ".fastband", "config.yaml"), "events:\n" + yaml);
    }

    private List<JsonElement> ReadAll()
    {
        var r = _cli.Run("--json", "events", "read");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Json.EnumerateArray().ToList();
    }

    private static void Tool(string tool, params string[] args)
    {
        var r = ChildProcess.Run(tool, args);
        Assert.True(r.ExitCode == 0, $"{tool} {string.Join(' ', args)}: {r}");
    }

    /// <summary>Whether <paramref name="pid"/> ignores SIGINT (the SigIgn mask in /proc/PID/status, bit 2 for signal 2).</summary>
    private static bool IgnoresSigint(int pid)
    {
        string mask = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
        return (ulong.Parse(mask, NumberStyles.HexNumber) & (1UL << (2 - 1))) != 0;
    }

    [Fact]
    public void Log_and_read_write_the_same_camelCase_objects_as_the_cmdlets()
    {
        var logged = _cli.As("agent_a", "--json", "events", "log", "question", "How do I start?", "--new");
        Assert.True(logged.ExitCode == 0, logged.ToString());
        var e = logged.Json;
        Assert.Equal(1, e.GetProperty("id").GetInt64());
        Assert.Equal(1, e.GetProperty("interaction").GetInt64());
        Assert.Equal("agent_a", e.GetProperty("actor").GetString());
        Assert.Equal("question", e.GetProperty("type").GetString());
        Assert.Equal("How do I start?", e.GetProperty("content").GetString());
        Assert.False(e.GetProperty("queued").GetBoolean());
        Assert.True(e.TryGetProperty("timestamp", out _));

        Assert.Equal(0, _cli.As("agent_b", "events", "log", "answer", "Run ./start.sh").ExitCode);
        var all = ReadAll();
        Assert.Equal(new[] { "agent_a", "agent_b" }, all.Select(x => x.GetProperty("actor").GetString()));
        Assert.Equal(new long[] { 1, 1 }, all.Select(x => x.GetProperty("interaction").GetInt64()));
        var text = _cli.Run("events", "read", "--type", "answer");
        Assert.Contains("[agent_b]", text.Stdout);
        Assert.DoesNotContain("[agent_a]", text.Stdout);
    }

    [Fact]
    public void A_bad_type_exits_2_with_one_sentence_and_writes_nothing()
    {
        var r = _cli.As("agent_a", "events", "log", "not a type", "x");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a usable event type", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Empty(ReadAll());
    }

    [Fact]
    public void Import_moves_malformed_lines_aside_with_a_warning_imports_the_rest_and_a_second_import_adds_nothing()
    {
        File.WriteAllText(InRoot("events.log"),
            "{\"interaction\":1,\"actor\":\"Agent A\",\"type\":\"question\",\"content\":\"hi\",\"timestamp\":\"2026-11-20T09:00:00Z\"}\n" +
            "{\"interaction\":1,\"actor\":\"Agent B\",\"type\":\"answer\",\"content\":\"trunc\n" +
            "\n");
        var first = _cli.As("importer", "--json", "events", "import", "events.log");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal((3, 1, 2), (first.Json.GetProperty("lines").GetInt32(), first.Json.GetProperty("imported").GetInt32(), first.Json.GetProperty("malformed").GetInt32()));
        Assert.Contains("2 malformed line(s) moved to", first.Stderr);
        Assert.Equal(2, File.ReadAllLines(InRoot("events.error.log")).Length);

        var second = _cli.As("importer", "--json", "events", "import", "events.log");
        Assert.Equal((0, 1), (second.Json.GetProperty("imported").GetInt32(), second.Json.GetProperty("alreadyPresent").GetInt32()));
        Assert.Equal(new[] { "question", "error" }, ReadAll().Select(x => x.GetProperty("type").GetString()));
        Assert.Equal(2, File.ReadAllLines(InRoot("events.error.log")).Length);
    }

    [Fact]
    public void Export_to_a_file_and_to_standard_output_give_the_same_seed_lines()
    {
        _cli.As("a", "events", "log", "question", "one", "--new");
        _cli.As("b", "events", "log", "answer", "two");
        Assert.Equal(0, _cli.Run("events", "export", "out.log").ExitCode);
        var stdout = _cli.Run("events", "export", "-");
        Assert.Equal(0, stdout.ExitCode);
        Assert.Equal(File.ReadAllText(InRoot("out.log")), stdout.Stdout);
        Assert.StartsWith("{\"interaction\":1,\"actor\":\"a\",\"type\":\"question\",\"content\":\"one\",\"timestamp\":\"", stdout.Stdout);
    }

    [Fact]
    public void The_old_name_events_snapshot_still_writes_the_transcript_and_is_not_listed_in_help()
    {
        _cli.As("a", "events", "log", "question", "one", "--new");

        var r = _cli.Run("events", "snapshot", "--json");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("one", File.ReadAllText(InRoot("communication.md")));
        var help = _cli.Run("events", "--help");
        Assert.Contains("transcript", help.Stdout);
        Assert.DoesNotContain("snapshot", help.Stdout);
    }

    [Fact]
    public void A_transcript_that_cannot_be_written_exits_1_keeps_the_old_files_and_logs_an_error_event()
    {
        _cli.As("a", "events", "log", "question", "one", "--new");
        Assert.Equal(0, _cli.Run("events", "transcript").ExitCode);
        byte[] before = File.ReadAllBytes(InRoot("communication.md"));
        _cli.As("a", "events", "log", "question", "two", "--new");
        Directory.CreateDirectory(InRoot("communication.md.tmp"));

        var r = _cli.As("a", "events", "transcript");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("were left as they were", r.Stderr);
        Assert.Equal(before, File.ReadAllBytes(InRoot("communication.md")));
        Assert.Equal("error", ReadAll()[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Watch_rewrites_the_snapshot_when_events_arrive_and_stops_cleanly_on_ctrl_c()
    {
        Configure("  pollInterval: 50ms\n");
        _cli.As("a", "events", "log", "question", "before watching", "--new");
        // Started as a terminal's foreground job is, so the test does not depend on how the gate was started.
        using var watcher = _cli.StartInterruptible(new[] { "--agent", "w", "--json", "events", "watch" });
        var firstLine = await watcher.ReadLineAsync("the first snapshot line of events watch");
        Assert.Contains("\"changed\":true", firstLine);
        Assert.Contains("before watching", File.ReadAllText(InRoot("communication.md")));

        _cli.As("b", "events", "log", "answer", "arrived while watching");
        var second = await watcher.ReadLineAsync("events watch to report the event logged while watching");
        Assert.Contains("\"latestId\":2", second);
        Assert.Contains("arrived while watching", File.ReadAllText(InRoot("communication.md")));

        Assert.False(IgnoresSigint(watcher.Id), $"{watcher.What} ignores SIGINT: env --default-signal=INT did not reset it, so Ctrl+C cannot be tested");
        Tool("kill", "-INT", watcher.Id.ToString());
        watcher.WaitForExit("events watch to stop on SIGINT", TimeSpan.FromSeconds(30));
        Assert.Equal(130, watcher.ExitCode); // the shell's code for "ended by Ctrl+C" (128 + SIGINT), not a failure
        Assert.Empty(Directory.GetFiles(_cli.Root, "*.tmp"));
    }

    [Fact]
    public void With_the_store_unwritable_log_queues_exits_0_and_the_next_log_after_it_is_back_replays_first()
    {
        _cli.As("a", "events", "log", "question", "stored", "--new");
        Tool("chattr", "+i", _cli.Db);
        CliRunner.Result queued;
        try
        {
            queued = _cli.As("a", "--json", "events", "log", "answer", "queued while read-only");
        }
        finally
        {
            Tool("chattr", "-i", _cli.Db);
        }
        Assert.True(queued.ExitCode == 0, queued.ToString());
        Assert.True(queued.Json.GetProperty("queued").GetBoolean());
        Assert.Contains("queued offline", queued.Stderr);
        Assert.True(File.Exists(Path.Combine(_cli.Root, ".fastband", "events.offline.log")));

        Assert.Equal(0, _cli.As("a", "events", "log", "followup", "after").ExitCode);
        Assert.Equal(new[] { "stored", "queued while read-only", "after" }, ReadAll().Select(x => x.GetProperty("content").GetString()));
        Assert.False(File.Exists(Path.Combine(_cli.Root, ".fastband", "events.offline.log")));
    }

    [Fact]
    public void Contention_through_every_attempt_exits_3_and_the_error_event_arrives_once_the_store_is_free()
    {
        Configure("  lockWait: 200ms\n  retryDelay: 20ms\n  retryAttempts: 2\n");
        _cli.As("a", "events", "log", "question", "stored", "--new");
        CliRunner.Result r;
        using (var holder = new SqliteConnection($"Data Source={_cli.Db};Pooling=False"))
        {
            holder.Open();
            using var begin = holder.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE;";
            begin.ExecuteNonQuery();
            r = _cli.As("a", "events", "log", "answer", "blocked");
        }
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("through 2 attempts", r.Stderr);
        Assert.Equal(0, _cli.As("a", "events", "log", "answer", "later").ExitCode);
        Assert.Equal(new[] { "question", "error", "answer" }, ReadAll().Select(x => x.GetProperty("type").GetString()));
    }

    [Fact]
    public void Next_and_ack_move_the_callers_cursor_and_keep_the_seed_checkpoint_file_in_step()
    {
        for (int i = 1; i <= 3; i++) _cli.As("w", "events", "log", "question", $"q{i}", "--new");
        var next = _cli.As("me", "--json", "events", "next", "--limit", "2");
        Assert.Equal(new long[] { 1, 2 }, next.Json.EnumerateArray().Select(x => x.GetProperty("id").GetInt64()));

        var ack = _cli.As("me", "--json", "events", "ack", "2");
        Assert.True(ack.ExitCode == 0, ack.ToString());
        Assert.Equal((2L, 2L, 1L), (ack.Json.GetProperty("ackedId").GetInt64(), ack.Json.GetProperty("interaction").GetInt64(), ack.Json.GetProperty("pending").GetInt64()));
        Assert.Equal("2\n", File.ReadAllText(InRoot("agent-me.checkpoint")));
        Assert.Equal(new long[] { 3 }, _cli.As("me", "--json", "events", "next").Json.EnumerateArray().Select(x => x.GetProperty("id").GetInt64()));

        var cursor = _cli.As("me", "--json", "events", "cursor");
        Assert.Equal((2L, 1L), (cursor.Json.GetProperty("ackedId").GetInt64(), cursor.Json.GetProperty("pending").GetInt64()));

        var missing = _cli.As("me", "events", "ack", "42");
        Assert.Equal(4, missing.ExitCode);
        Assert.Contains("There is no event #42", missing.Stderr);
    }
}
