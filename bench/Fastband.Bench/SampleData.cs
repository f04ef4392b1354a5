using System.Diagnostics;
using System.Text.Json;
using Fastband.Core;
using Fastband.Core.OpsLog;
using Microsoft.Data.Sqlite;

namespace Fastband.Bench;

/// <summary>
/// The same made-up entries for both logs: eight agents, all nine event types, a ticket on a third of them,
/// metadata on a fifth, messages of ordinary length.
/// </summary>
public static class SampleData
{
    private static readonly string[] Agents =
        Enumerable.Range(1, 8).Select(i => $"MCP_Agent{i}").ToArray();

    private static readonly string[] Phrases =
    {
        "Starting Phase 4 work on the header layout",
        "REBUILD REQUESTED for webapp after template changes",
        "Completed the migration of the settings page to the new form helpers",
        "Reviewed the pull request for the login flow; two comments left",
        "HOLD: database migration in progress, do not touch data files",
        "CLEARANCE GRANTED for MCP_Agent2 on tickets 1206, 1207",
        "Tests green on the API package, moving on to the CLI",
    };

    private const string MetadataJson = """{"container":"webapp","files_changed":["templates/base.html","static/css/main.css"]}""";

    public static readonly Dictionary<string, JsonElement> BaselineMetadata =
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(MetadataJson)!;

    public static string Agent(long i) => Agents[i % Agents.Length];
    public static string EventType(long i) => OpsEventType.All[(int)(i * 7 % OpsEventType.All.Count)];
    public static string Message(long i) => $"Entry {i}: {Phrases[i % Phrases.Length]}";
    public static string? Ticket(long i) => i % 3 == 0 ? $"PROJ-{1000 + i % 500}" : null;
    public static bool HasMetadata(long i) => i % 5 == 0;

    /// <summary>Timestamp of entry <paramref name="i"/> of <paramref name="count"/>, evenly spread over <paramref name="span"/> up to <paramref name="end"/>.</summary>
    public static DateTimeOffset Timestamp(long i, long count, DateTimeOffset end, TimeSpan span) =>
        end - span + TimeSpan.FromTicks((long)(span.Ticks * ((i + 1) / (double)count)));

    // ---------------------------------------------------------------- ours

    /// <summary>
    /// Creates the project through the real Core (which creates the schema), then bulk-inserts
    /// <paramref name="count"/> rows into that schema in one transaction and checkpoints the WAL.
    /// </summary>
    public static TimeSpan PopulateOurs(string projectDir, long count, DateTimeOffset end, TimeSpan span)
    {
        var watch = Stopwatch.StartNew();
        using (FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = "bench-setup" })) { }
        if (count == 0) return watch.Elapsed;

        string db = Path.Combine(projectDir, ".fastband", FastbandProject.DatabaseFileName);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA cache_size = -262144;");
        using (var tx = connection.BeginTransaction())
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO ops_log (ts_us, agent, event_type, message, ticket_id, metadata, host, pid) " +
                                 "VALUES ($ts, $agent, $type, $message, $ticket, $metadata, $host, $pid);";
            var ts = insert.Parameters.Add("$ts", SqliteType.Integer);
            var agent = insert.Parameters.Add("$agent", SqliteType.Text);
            var type = insert.Parameters.Add("$type", SqliteType.Text);
            var message = insert.Parameters.Add("$message", SqliteType.Text);
            var ticket = insert.Parameters.Add("$ticket", SqliteType.Text);
            var metadata = insert.Parameters.Add("$metadata", SqliteType.Text);
            insert.Parameters.AddWithValue("$host", Environment.MachineName);
            insert.Parameters.AddWithValue("$pid", Environment.ProcessId);
            insert.Prepare();
            for (long i = 0; i < count; i++)
            {
                ts.Value = ToMicros(Timestamp(i, count, end, span));
                agent.Value = Agent(i);
                type.Value = EventType(i);
                message.Value = Message(i);
                ticket.Value = (object?)Ticket(i) ?? DBNull.Value;
                metadata.Value = HasMetadata(i) ? MetadataJson : "{}";
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        return watch.Elapsed;
    }

    private static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    // ---------------------------------------------------------------- baseline

    /// <summary>Writes the baseline's <c>current.json</c> directly with <paramref name="count"/> entries.</summary>
    public static TimeSpan PopulateBaseline(string projectDir, long count, DateTimeOffset end, TimeSpan span)
    {
        var watch = Stopwatch.StartNew();
        var log = new JsonOpsLogBaseline(projectDir);
        var data = new BaselineLogFile { Entries = new List<BaselineEntry>((int)count) };
        var empty = new Dictionary<string, JsonElement>();
        for (long i = 0; i < count; i++)
        {
            data.Entries.Add(new BaselineEntry
            {
                Id = i.ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
                Timestamp = JsonOpsLogBaseline.IsoFormat(Timestamp(i, count, end, span).LocalDateTime),
                Agent = Agent(i),
                EventType = EventType(i),
                Message = Message(i),
                TicketId = Ticket(i),
                Metadata = HasMetadata(i) ? BaselineMetadata : empty,
            });
        }
        JsonOpsLogBaseline.SaveJson(log.CurrentFile, data);
        return watch.Elapsed;
    }
}
