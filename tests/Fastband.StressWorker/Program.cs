using System.Diagnostics;
using Fastband.Core;
using Fastband.Core.OpsLog;
using Microsoft.Data.Sqlite;

// A writer for the multi-process race tests. Waits for a start gate so that all writers begin
// together, appends COUNT entries numbered 0..COUNT-1, and prints "startTicks endTicks" (UTC).
//   store: the real path, OpsLogService.Write (BEGIN IMMEDIATE, id from AUTOINCREMENT).
//   naive: the negative control, an app-side read-modify-write with no transaction around it.
if (args.Length >= 1 && args[0] is "lock" or "nolock" or "hold")
    return LockWorker.Run(args);
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: Fastband.StressWorker PROJECT AGENT COUNT store|naive GATE_FILE | lock|nolock ... | hold ...");
    return 2;
}
string projectDir = args[0], agent = args[1], mode = args[3], gate = args[4];
int count = int.Parse(args[2]);

var wait = Stopwatch.StartNew();
while (!File.Exists(gate))
{
    if (wait.Elapsed > TimeSpan.FromSeconds(60)) { Console.Error.WriteLine("start gate never opened"); return 1; }
    Thread.Sleep(1);
}

using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
long start = DateTimeOffset.UtcNow.UtcTicks;
if (mode == "store")
{
    for (int i = 0; i < count; i++)
        project.OpsLog.Write(OpsEventType.General, $"{agent} entry {i}", null, new Dictionary<string, object?> { ["seq"] = i });
}
else
{
    // Allocates the id itself (max + 1) and writes with INSERT OR REPLACE, outside any transaction:
    // two writers that read the same max overwrite each other's row, and an entry is lost.
    string db = Path.Combine(projectDir, ".fastband", FastbandProject.DatabaseFileName);
    using var connection = new SqliteConnection($"Data Source={db};Pooling=False;Default Timeout=60");
    connection.Open();
    using (var pragma = connection.CreateCommand()) { pragma.CommandText = "PRAGMA busy_timeout = 60000;"; pragma.ExecuteNonQuery(); }
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
return 0;
