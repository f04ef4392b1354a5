using System.Text;
using System.Text.Json;
using Fastband.Core.Events;
using Xunit;

namespace Fastband.Core.Tests.Events;

public class ImportExportTests : ProjectTest
{
    /// <summary>Lines as `jq -c` writes the seed's event object (the seed's log_event.sh with its $timestamp passed in).</summary>
    private const string SeedLines =
        """
        {"interaction":1,"actor":"Agent A","type":"question","content":"How do I start the MCP server?","timestamp":"2026-11-20T09:00:00Z"}
        {"interaction":1,"actor":"Agent B","type":"answer","content":"Run \"./start.sh\" then\nwait","timestamp":"2026-11-20T09:00:05Z"}
        {"interaction":2,"actor":"Agent A","type":"followup","content":"Which port? ✓","timestamp":"2026-11-20T09:01:00Z"}
        {"interaction":3,"actor":"Orchestrator","type":"heartbeat","content":"","timestamp":"2026-11-20T09:02:00Z"}

        """;

    private string WriteFile(string name, byte[] content)
    {
        string path = Path.Combine(Dir.Root, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string WriteFile(string name, string content) => WriteFile(name, Encoding.UTF8.GetBytes(content.ReplaceLineEndings("\n")));

    [Fact]
    public void Import_reads_the_seed_lines_with_their_interactions_actors_and_times()
    {
        var p = As("importer");
        var r = p.Events.Import(WriteFile("events.log", SeedLines));

        Assert.Equal((4, 4, 0, 0), (r.Lines, r.Imported, r.AlreadyPresent, r.Malformed));
        Assert.Null(r.ErrorLog);
        var events = p.Events.Read(new EventQuery());
        Assert.Equal(new long[] { 1, 1, 2, 3 }, events.Select(e => e.Interaction));
        Assert.Equal(new[] { "Agent A", "Agent B", "Agent A", "Orchestrator" }, events.Select(e => e.Actor));
        Assert.Equal("Run \"./start.sh\" then\nwait", events[1].Content);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 0, 5, TimeSpan.Zero), events[1].Timestamp);
        Assert.Equal("Which port? ✓", events[2].Content);
        Assert.False(File.Exists(Path.Combine(Dir.Root, EventErrorLog.FileName)));
    }

    [Fact]
    public void Malformed_lines_of_every_kind_go_to_the_error_log_with_line_and_reason_an_error_event_names_them_and_the_rest_is_imported()
    {
        var good = SeedLines.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var file = new MemoryStream();
        void Line(string s) => file.Write(Encoding.UTF8.GetBytes(s + "\n"));
        Line(good[0]);                                                                                    // 1
        Line("""{"interaction":2,"actor":"Agent A","type":"question","content":"cut off he""");            // 2 truncated
        Line("""{"interaction":"2","actor":"Agent A","type":"question","content":"x","timestamp":"2026-11-20T09:00:00Z"}"""); // 3 wrong type
        Line("");                                                                                         // 4 empty
        file.Write(new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}', (byte)'\n' });  // 5 invalid UTF-8
        Line("""{"interaction":4,"actor":42,"type":"question","content":"x","timestamp":"2026-11-20T09:00:00Z"}""");     // 6 actor not a string
        Line("""{"interaction":4,"actor":"A","type":"question","content":"x","timestamp":"yesterday"}""");                // 7 bad time
        Line("""{"interaction":4,"actor":"A","type":"not a type!","content":"x","timestamp":"2026-11-20T09:00:00Z"}"""); // 8 bad type name
        Line("""["a","list"]""");                                                                         // 9 not an object
        Line("""{"interaction":4,"actor":"A","type":"question","timestamp":"2026-11-20T09:00:00Z"}""");   // 10 missing content
        Line(good[1]);                                                                                    // 11
        var p = As("importer");
        string path = WriteFile("events.log", file.ToArray());

        var r = p.Events.Import(path);

        Assert.Equal((11, 2, 9), (r.Lines, r.Imported, r.Malformed));
        Assert.Equal(new[] { 2, 3, 4, 5, 6, 7, 8, 9, 10 }, r.Problems.Select(x => x.Line));
        string Reason(int line) => r.Problems.Single(x => x.Line == line).Reason;
        Assert.StartsWith("truncated JSON", Reason(2));
        Assert.Contains("'interaction' must be a whole number", Reason(3));
        Assert.Equal("empty line", Reason(4));
        Assert.StartsWith("not valid UTF-8", Reason(5));
        Assert.Contains("'actor' must be a string, not the number 42", Reason(6));
        Assert.Contains("'timestamp'", Reason(7));
        Assert.Contains("'type'", Reason(8));
        Assert.Contains("not an object", Reason(9));
        Assert.Equal("no 'content' field", Reason(10));

        // The error log: one JSON line per bad line, with the file, line number, reason and the line itself.
        Assert.Equal(Path.Combine(Dir.Root, "events.error.log"), r.ErrorLog);
        var logged = File.ReadAllLines(r.ErrorLog!).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(r.Problems.Select(x => x.Line), logged.Select(l => l.GetProperty("line").GetInt32()));
        Assert.All(logged, l => Assert.Equal(path, l.GetProperty("file").GetString()));
        Assert.Equal(Reason(2), logged[0].GetProperty("reason").GetString());
        Assert.Equal("""{"interaction":2,"actor":"Agent A","type":"question","content":"cut off he""", logged[0].GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, logged[3].GetProperty("text").ValueKind); // the invalid UTF-8 line is kept as base64
        Assert.Equal(new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}' }, Convert.FromBase64String(logged[3].GetProperty("base64").GetString()!));

        // The good lines went in, and one error event names the bad ones.
        var events = p.Events.Read(new EventQuery());
        Assert.Equal(new[] { "question", "answer", "error" }, events.Select(e => e.Type));
        Assert.Contains("9 malformed line(s) (2, 3, 4, 5, 6, 7, 8, 9, 10)", events[2].Content);
        Assert.Contains(path, events[2].Content);
        Assert.Contains("events.error.log", events[2].Content);
    }

    [Fact]
    public void Importing_the_same_file_twice_adds_nothing_twice_not_even_to_the_error_log()
    {
        var p = As("importer");
        string path = WriteFile("events.log", SeedLines + "{\"broken\n");
        var first = p.Events.Import(path);
        long errorLogLength = new FileInfo(first.ErrorLog!).Length;
        var second = p.Events.Import(path);

        Assert.Equal((4, 1), (first.Imported, first.Malformed));
        Assert.Equal((0, 4, 1), (second.Imported, second.AlreadyPresent, second.Malformed));
        Assert.Equal(5, p.Events.Read(new EventQuery()).Count); // 4 events and one error event, not two
        Assert.Equal(errorLogLength, new FileInfo(first.ErrorLog!).Length);
    }

    [Fact]
    public void Identical_lines_in_one_file_are_separate_events_and_a_grown_file_adds_only_its_new_lines()
    {
        var p = As("importer");
        string line = """{"interaction":1,"actor":"A","type":"heartbeat","content":"alive","timestamp":"2026-11-20T09:00:00Z"}""";
        string path = WriteFile("events.log", line + "\n" + line + "\n");
        Assert.Equal(2, p.Events.Import(path).Imported);
        File.AppendAllText(path, line + "\n" + """{"interaction":1,"actor":"A","type":"answer","content":"new","timestamp":"2026-11-20T09:00:01Z"}""" + "\n");
        var grown = p.Events.Import(path);
        Assert.Equal((2, 2), (grown.Imported, grown.AlreadyPresent));
        Assert.Equal(4, p.Events.Read(new EventQuery()).Count);
    }

    [Fact]
    public void Export_writes_the_seed_format_that_jq_reads_back_unchanged_and_importing_it_into_the_same_store_adds_nothing()
    {
        var p = As("agent_a");
        p.Events.Log("question", "Quote \" backslash \\ tab \t newline \n unicode é ✓");
        p.Events.Log("answer", "ok");
        string path = Path.Combine(Dir.Root, "out", "events.log");

        var r = p.Events.Export(path);

        Assert.Equal(2, r.Events);
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Equal($$"""{"interaction":1,"actor":"agent_a","type":"answer","content":"ok","timestamp":"{{ManualClock.Iso(Clock.GetUtcNow())}}"}""", lines[1]);
        Assert.Equal(File.ReadAllText(path), JqCompact(path)); // byte for byte what `jq -c .` makes of it
        Assert.False(File.Exists(path + ".tmp"));

        var again = p.Events.Import(path);
        Assert.Equal((0, 2), (again.Imported, again.AlreadyPresent));
    }

    [Fact]
    public void An_export_imported_into_a_fresh_project_reproduces_the_events()
    {
        var p = As("agent_a");
        p.Events.Import(WriteFile("seed.log", SeedLines));
        p.Events.Log("answer", "native", newInteraction: true);
        string path = p.Events.Export(Path.Combine(Dir.Root, "export.log")).File;

        using var other = new TempProject();
        using var q = other.Open("b");
        Assert.Equal(5, q.Events.Import(path).Imported);
        Assert.Equal(
            p.Events.Read(new EventQuery()).Select(e => (e.Interaction, e.Actor, e.Type, e.Content, EventFingerprint.SeedTime(e.Timestamp))),
            q.Events.Read(new EventQuery()).Select(e => (e.Interaction, e.Actor, e.Type, e.Content, EventFingerprint.SeedTime(e.Timestamp))));
    }

    [Fact]
    public void A_missing_file_is_not_found_and_nothing_is_written()
    {
        var p = As("importer");
        Assert.Equal("FileNotFound", Assert.Throws<NotFoundException>(() => p.Events.Import(Path.Combine(Dir.Root, "nope.log"))).ErrorId);
        Assert.Empty(p.Events.Read(new EventQuery()));
    }

    private static string JqCompact(string path)
    {
        var jq = ChildProcess.Run("jq", "-c", ".", path);
        Assert.True(jq.ExitCode == 0, jq.ToString());
        return jq.Stdout;
    }
}

/// <summary>The tests above, unchanged, on a PostgreSQL store (a fresh schema per test through FASTBAND_STORE): import idempotency and export.</summary>
[Collection(Concurrency.MultiProcessRaces.Name)] // out of the way of the backup tests that fingerprint the server's WAL position
public sealed class PostgresImportExportTests : ImportExportTests
{
    public PostgresImportExportTests() => Dir.UsePostgres("import");
}
