using Fastband.Core.OpsLog;
using Xunit;

namespace Fastband.Core.Tests.OpsLog;

public sealed class OpsLogServiceTests : IDisposable
{
    private readonly TempProject _dir = new();
    private ManualClock _clock = new();

    public void Dispose() => _dir.Dispose();

    private FastbandProject As(string agent) => _dir.Open(agent, _clock);

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void An_unknown_event_type_is_refused_with_the_valid_list_and_nothing_is_written()
    {
        using var p = As("a1");
        var e = Assert.Throws<InvalidInputException>(() => p.OpsLog.Write("deployed", "x"));
        Assert.Equal("InvalidEventType", e.ErrorId);
        foreach (var t in OpsEventType.All) Assert.Contains(t, e.Message);
        Assert.Equal(0, p.Store.OpsLog.Count());
        Assert.Null(p.Store.Agents.Get("a1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_message_is_refused(string message)
    {
        using var p = As("a1");
        Assert.Equal("EmptyMessage", Assert.Throws<InvalidInputException>(() => p.OpsLog.Write("general", message)).ErrorId);
        Assert.Equal(0, p.Store.OpsLog.Count());
    }

    [Theory]
    [InlineData("12 05")]
    [InlineData("1,2")]
    public void A_malformed_ticket_is_refused(string ticket)
    {
        using var p = As("a1");
        Assert.Equal("InvalidTicket", Assert.Throws<InvalidInputException>(() => p.OpsLog.Write("general", "m", ticket)).ErrorId);
    }

    [Fact]
    public void Entries_carry_the_writer_and_the_display_form()
    {
        using var p = As("MCP_Agent1");
        var e = p.OpsLog.Write("Ticket-Claimed", "Starting work on ticket #1205", "#1205",
            new Dictionary<string, object?> { ["phase"] = 4 });

        Assert.Equal("ticket_claimed", e.EventType);
        Assert.Equal("1205", e.TicketId);
        Assert.Equal(4, Convert.ToInt32(e.Metadata["phase"]));
        Assert.Equal(Environment.ProcessId, e.ProcessId);
        string at = ManualClock.Display(_clock.GetUtcNow());
        Assert.Equal($"[MCP_Agent1][{at}] [#1205] Starting work on ticket #1205", e.Formatted);
        Assert.Equal($"[MCP_Agent1][{at}] no ticket", OpsLogEntry.Format("MCP_Agent1", e.Timestamp, null, "no ticket"));
    }

    [Fact]
    public void Reading_since_a_duration_or_a_timestamp_returns_newest_first()
    {
        using var p = As("a1");
        var start = _clock.GetUtcNow();
        p.OpsLog.Write("general", "three hours ago");
        _clock.Advance(TimeSpan.FromHours(2));
        p.OpsLog.Write("general", "one hour ago");
        _clock.Advance(TimeSpan.FromMinutes(40));
        p.OpsLog.Write("general", "twenty minutes ago");
        _clock.Advance(TimeSpan.FromMinutes(20));
        var now = _clock.GetUtcNow();

        string[] Since(string s) => p.OpsLog.Read(new OpsLogQuery { Since = TimeSpec.ParsePointInTime(s, now, "--since") }).Select(e => e.Message).ToArray();
        Assert.Equal(new[] { "twenty minutes ago" }, Since("30m"));
        Assert.Equal(new[] { "twenty minutes ago", "one hour ago" }, Since("1h"));
        Assert.Equal(3, Since("2d").Length);
        Assert.Equal(new[] { "twenty minutes ago", "one hour ago" }, Since(ManualClock.Iso(start + TimeSpan.FromMinutes(90))));
        Assert.Equal(new[] { "twenty minutes ago" }, p.OpsLog.Read(new OpsLogQuery { Since = new PointInTime(TimeSpan.FromMinutes(30)).Resolve(now) }).Select(e => e.Message));
    }

    [Fact]
    public void Claims_and_completions_move_the_agents_current_ticket()
    {
        using var p = As("a1");
        p.OpsLog.Write("ticket_claimed", "claim", "1205");
        Assert.Equal("1205", p.Agents.Get("a1").CurrentTicket);
        Assert.Equal("working", p.Agents.Get("a1").Status);
        p.OpsLog.Write("ticket_completed", "done", "1205");
        Assert.Null(p.Agents.Get("a1").CurrentTicket);
        Assert.Equal("idle", p.Agents.Get("a1").Status);
    }

    [Fact]
    public async Task Follow_yields_the_recent_entries_then_each_new_one_once_until_cancelled()
    {
        using var reader = As("reader");
        using var writer = As("writer");
        writer.OpsLog.Write("general", "before");
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();
        var follow = Task.Run(() =>
        {
            foreach (var e in reader.OpsLog.Follow(new OpsLogQuery { EventTypes = new[] { "general" } }, cancel.Token, TimeSpan.FromMilliseconds(20)))
            {
                lock (seen) seen.Add(e.Message);
                if (e.Message == "last") cancel.Cancel();
            }
        });
        SpinUntil(() => { lock (seen) return seen.Count == 1; });
        writer.OpsLog.Write("general", "new 1");
        writer.OpsLog.Write("hold", "filtered out");
        writer.OpsLog.Write("general", "new 2");
        writer.OpsLog.Write("general", "last");
        await follow.WaitAsync(TimeSpan.FromSeconds(20)); // throws TimeoutException if follow never stops
        Assert.Equal(new[] { "before", "new 1", "new 2", "last" }, seen);
    }

    [Fact]
    public async Task Follow_reads_a_burst_larger_than_one_page_without_skipping()
    {
        using var reader = As("reader");
        using var writer = As("writer");
        writer.OpsLog.Write("general", "start");
        using var cancel = new CancellationTokenSource();
        var seen = new List<int>();
        bool started = false;
        var follow = Task.Run(() =>
        {
            foreach (var e in reader.OpsLog.Follow(new OpsLogQuery(), cancel.Token, TimeSpan.FromSeconds(2)))
            {
                if (e.Message == "start") { Volatile.Write(ref started, true); continue; }
                lock (seen) seen.Add(Convert.ToInt32(e.Metadata["n"]));
                if (seen.Count == 2500) cancel.Cancel();
            }
        });
        SpinUntil(() => Volatile.Read(ref started));
        for (int n = 0; n < 2500; n++) // all within one poll interval: the next poll finds 2,500 new entries
            writer.Store.OpsLog.Append(new NewOpsLogEntry("writer", "general", "burst", null, new Dictionary<string, object?> { ["n"] = n }, "h", 1), null);
        await follow.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 2500), seen);
    }

    private static void SpinUntil(Func<bool> condition)
    {
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(20)), "condition not reached in time");
    }

    [Fact]
    public void Old_entries_move_to_daily_archive_files_and_reads_can_include_them()
    {
        using var p = As("a1");
        var dayOne = _clock.GetUtcNow();
        p.OpsLog.Write("general", "day one", "7");
        _clock.Advance(TimeSpan.FromDays(1));
        p.OpsLog.Write("general", "day two");
        _clock.Advance(TimeSpan.FromDays(40));
        p.OpsLog.Write("general", "today");

        var result = p.OpsLog.Archive();
        Assert.Equal(2, result.ArchivedCount);
        Assert.Equal(new[] { Day(dayOne) + ".jsonl", Day(dayOne.AddDays(1)) + ".jsonl" }, result.Files.Select(Path.GetFileName));
        Assert.All(result.Files, f => Assert.StartsWith(Path.Combine(_dir.StateDir, "agent_ops", "archive"), f));
        Assert.Equal(1, p.Store.OpsLog.Count());

        Assert.Equal(new[] { "today" }, p.OpsLog.Read(new OpsLogQuery()).Select(e => e.Message));
        var all = p.OpsLog.Read(new OpsLogQuery { IncludeArchive = true });
        Assert.Equal(new[] { "today", "day two", "day one" }, all.Select(e => e.Message));
        Assert.Equal("7", all[2].TicketId);
        Assert.Equal(new[] { "day one" }, p.OpsLog.Read(new OpsLogQuery { IncludeArchive = true, TicketId = "7" }).Select(e => e.Message));
        Assert.Equal(0, p.OpsLog.Archive().ArchivedCount);
    }

    [Fact]
    public void A_torn_archive_line_and_duplicated_lines_lose_nothing_and_show_nothing_twice()
    {
        Directory.CreateDirectory(_dir.StateDir); // short windows, so that minutes-old entries may be archived
        File.WriteAllText(Path.Combine(_dir.StateDir, "config.json"), """{ "opsLog": { "directiveWindow": "30s", "rebuildTimeout": "10s" } }""");
        _clock = new ManualClock(ManualClock.RealStartOfThisHour()); // its four minutes stay in one UTC day
        using var p = As("a1");
        var first = p.OpsLog.Write("general", "first");
        _clock.Advance(TimeSpan.FromMinutes(2));
        p.OpsLog.Archive(TimeSpan.FromMinutes(1));
        string file = Directory.GetFiles(p.OpsLog.ArchiveDirectory).Single();
        string line = File.ReadAllLines(file).Single();
        File.AppendAllText(file, line + "\n" + line[..20]); // a retried archive, then a crash mid-write

        p.OpsLog.Write("general", "second"); // the same UTC day, so it goes into the same file, after the torn line
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, p.OpsLog.Archive(TimeSpan.FromMinutes(1)).ArchivedCount);
        Assert.Single(Directory.GetFiles(p.OpsLog.ArchiveDirectory));
        Assert.Equal(0, p.Store.OpsLog.Count()); // both now live only in the archive, the second after the torn line
        var all = p.OpsLog.Read(new OpsLogQuery { IncludeArchive = true });
        Assert.Equal(new[] { "second", "first" }, all.Select(e => e.Message));
        Assert.Equal(first.Id, all[1].Id);
    }

    [Fact]
    public void Archiving_never_moves_a_hold_that_is_still_in_force()
    {
        using var p = As("ops");
        p.Directives.Hold("migration");
        p.Rebuilds.Announce("web", null, null, "requested");
        _clock.Advance(TimeSpan.FromMinutes(10));

        var result = p.OpsLog.Archive(TimeSpan.FromSeconds(1));
        Assert.Equal(0, result.ArchivedCount);
        Assert.Equal(_clock.GetUtcNow() - TimeSpan.FromHours(24), result.Cutoff);
        Assert.False(p.Coordination.Check().Allowed);
        Assert.True(p.Directives.GetStatus().HoldInForce);

        _clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(2, p.OpsLog.Archive(TimeSpan.FromSeconds(1)).ArchivedCount); // past the window: the hold has lapsed anyway
    }

    [Fact]
    public void Retention_comes_from_the_config_file()
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, "config.json"), """{ "opsLog": { "retentionDays": 2 } }""");
        using var p = As("a1");
        p.OpsLog.Write("general", "old");
        _clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(1, p.OpsLog.Archive().ArchivedCount);
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("""{ "opsLog": { "retentionDays": 0 } }""", "retentionDays")]
    [InlineData("""{ "opsLog": { "directiveWindow": "soon" } }""", "directiveWindow")]
    [InlineData("""{ "opsLog": { "retentionDayz": 3 } }""", "unknown setting opsLog.retentionDayz")]
    public void A_malformed_config_file_is_refused_in_one_sentence_before_anything_is_opened(string json, string expected)
    {
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, "config.json"), json);
        var e = Assert.Throws<InvalidInputException>(() => As("a1"));
        Assert.Contains(expected, e.Message);
        Assert.False(File.Exists(Path.Combine(_dir.StateDir, FastbandProject.DatabaseFileName)));
    }

    [Fact]
    public void Archiving_runs_by_itself_every_few_hundred_appends()
    {
        using var p = As("a1");
        p.OpsLog.Write("general", "ancient");
        _clock.Advance(TimeSpan.FromDays(60));
        for (int i = 2; i < OpsLogService.ArchiveCheckEvery; i++) p.OpsLog.Write("general", "filler");
        Assert.Equal(OpsLogService.ArchiveCheckEvery - 1, p.Store.OpsLog.Count());
        p.OpsLog.Write("general", "the one that triggers it");
        Assert.Equal(OpsLogService.ArchiveCheckEvery - 1, p.Store.OpsLog.Count());
        Assert.Single(Directory.GetFiles(p.OpsLog.ArchiveDirectory));
    }
}
