using System.Diagnostics;
using Fastband.Core;
using Fastband.Core.OpsLog;
using Microsoft.Data.Sqlite;
using Npgsql;

// A writer for the multi-process race tests. Waits for a start gate so that all writers begin
// together, appends COUNT entries numbered 0..COUNT-1, and prints "startTicks endTicks" (UTC).
//   store: the real path, OpsLogService.Write (BEGIN IMMEDIATE, id from AUTOINCREMENT).
//   naive: the negative control, an app-side read-modify-write with no transaction around it (on the
//          project's store: SQLite, or PostgreSQL when its config selects that).
//   message RECIPIENT: sends COUNT messages "AGENT message i" to RECIPIENT (MessageService.Send).
//   reader: as AGENT, reads and acknowledges its unread messages in a loop (a few at a time) until
//           every message up to seq COUNT is acknowledged; prints the times, then "id seq body" per message taken.
//   lock | nolock | hold | wait: see LockWorker.cs.
//   campaign | naivecampaign: see CampaignWorker.cs.
//   event | naive-event | consume: see EventWorker.cs.
//   claim | naiveclaim: see IssueWorker.cs.
if (args.Length >= 1 && args[0] is "lock" or "nolock" or "hold" or "wait")
    return LockWorker.Run(args);
if (args.Length == 5 && args[0] is "campaign" or "naivecampaign")
    return CampaignWorker.Run(args);
if (args.Length >= 1 && args[0] is "event" or "naive-event" or "consume")
    return EventWorker.Run(args);
if (args.Length == 5 && args[0] is "claim" or "naiveclaim")
    return IssueWorker.Run(args);
//   gitcommit: see GitWorker.cs.
if (args.Length == 6 && args[0] == "gitcommit")
    return GitWorker.Run(args);
if (args.Length is not (5 or 6) || (args[3] == "message") != (args.Length == 6))
{
    Console.Error.WriteLine("usage: Fastband.StressWorker PROJECT AGENT COUNT store|naive|reader GATE_FILE");
    Console.Error.WriteLine("       Fastband.StressWorker PROJECT AGENT COUNT message GATE_FILE RECIPIENT");
    Console.Error.WriteLine("       Fastband.StressWorker lock|nolock|hold|wait ... (see LockWorker.cs)");
    return 2;
}
string projectDir = args[0], agent = args[1], mode = args[3], gate = args[4];
int count = int.Parse(args[2]);

// Every mode opens the store and makes a first query before it reports ready at the gate (a PostgreSQL connection
// takes a while, and so does loading the code), so that the race is between the writes themselves.
using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
project.Messages.Cursor();

// The negative control connects before the gate too, so that connecting does not keep the workers apart.
using var naive = mode == "naive" ? RawStore.Open(projectDir) : null;

if (!StartGate.Pass(gate, agent)) return 1;

long start = DateTimeOffset.UtcNow.UtcTicks;
var taken = new List<Fastband.Core.Messaging.Message>();
if (mode == "message")
{
    for (int i = 0; i < count; i++)
        project.Messages.Send(args[5], $"{agent} message {i}", "info", agent);
}
else if (mode == "reader")
{
    var deadline = Stopwatch.StartNew();
    while (project.Messages.Cursor() < count)
    {
        if (deadline.Elapsed > TimeSpan.FromSeconds(120)) { Console.Error.WriteLine($"reader gave up at cursor {project.Messages.Cursor()}"); return 1; }
        var got = project.Messages.Read(all: false, ack: true, limit: 7);
        taken.AddRange(got);
        if (got.Count == 0) Thread.Sleep(1);
    }
}
else if (mode == "store")
{
    for (int i = 0; i < count; i++)
        project.OpsLog.Write(OpsEventType.General, $"{agent} entry {i}", null, new Dictionary<string, object?> { ["seq"] = i });
}
else if (naive is NpgsqlConnection pg)
{
    // The same negative control on PostgreSQL: max + 1, then an upsert that replaces, each statement on its own.
    for (int i = 0; i < count; i++)
    {
        using var read = new NpgsqlCommand("SELECT COALESCE(MAX(id), 0) + 1 FROM ops_log;", pg);
        long id = (long)read.ExecuteScalar()!;
        Thread.Sleep(1);
        using var write = new NpgsqlCommand(
            "INSERT INTO ops_log (id, ts_us, agent, event_type, message, metadata, host, pid) VALUES (@id, 0, @agent, 'general', @message, @meta, 'h', 0) " +
            "ON CONFLICT (id) DO UPDATE SET agent = excluded.agent, message = excluded.message, metadata = excluded.metadata;", pg);
        write.Parameters.AddWithValue("id", id);
        write.Parameters.AddWithValue("agent", agent);
        write.Parameters.AddWithValue("message", $"{agent} entry {i}");
        write.Parameters.AddWithValue("meta", $"{{\"seq\":{i}}}");
        write.ExecuteNonQuery();
    }
}
else if (naive is SqliteConnection connection)
{
    // Allocates the id itself (max + 1) and writes with INSERT OR REPLACE, outside any transaction:
    // two writers that read the same max overwrite each other's row, and an entry is lost.
    for (int i = 0; i < count; i++)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT COALESCE(MAX(id), 0) + 1 FROM ops_log;";
        long id = (long)read.ExecuteScalar()!;
        Thread.Sleep(1); // the window a busy writer has between its read and its write
        using var write = connection.CreateCommand();
        write.CommandText = "INSERT OR REPLACE INTO ops_log (id, ts_us, agent, event_type, message, metadata, host, pid) " +
                            "VALUES ($id, 0, $agent, 'general', $message, $meta, 'h', 0);";
        write.Parameters.AddWithValue("$id", id);
        write.Parameters.AddWithValue("$agent", agent);
        write.Parameters.AddWithValue("$message", $"{agent} entry {i}");
        write.Parameters.AddWithValue("$meta", $"{{\"seq\":{i}}}");
        write.ExecuteNonQuery();
    }
}
long end = DateTimeOffset.UtcNow.UtcTicks;
Console.Out.WriteLine($"{start} {end}");
foreach (var m in taken) Console.Out.WriteLine($"{m.Id} {m.Seq} {m.Body}");
return 0;
