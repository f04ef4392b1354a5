using System.Text;
using Fastband.Core;

/// <summary>
/// Event log modes of the race worker.
///   event PROJECT AGENT COUNT GATE: after the gate opens, logs COUNT events "AGENT event i" through EventService,
///     every 10th one starting a new interaction. Prints "startTicks endTicks".
///   naive-event PROJECT AGENT COUNT GATE: the negative control: allocates the id itself (max + 1) and writes with
///     INSERT OR REPLACE outside any transaction, so two writers that read the same max overwrite each other.
///   consume PROJECT AGENT HANDLED_FILE DELAY_MS: takes events after its cursor, appends "id" to HANDLED_FILE
///     (fsynced) for each, then acknowledges it; stops when nothing is left. Killed part way, it must resume.
/// </summary>
internal static class EventWorker
{
    public static int Run(string[] args)
    {
        string mode = args[0], projectDir = args[1], agent = args[2];
        using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
        if (mode == "consume") return Consume(project, args[3], int.Parse(args[4]));
        int count = int.Parse(args[3]);
        string gate = args[4];
        project.Events.Read(new Fastband.Core.Events.EventQuery { Limit = 1 }); // warm up before the gate
        using var naive = mode == "naive-event" ? RawStore.OpenSqlite(projectDir) : null; // and connect, so that connecting does not keep the workers apart
        if (!StartGate.Pass(gate, agent)) return 1;
        long start = DateTimeOffset.UtcNow.UtcTicks;
        if (naive is null)
        {
            for (int i = 0; i < count; i++)
                project.Events.Log("question", $"{agent} event {i}", newInteraction: i % 10 == 0);
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                using var read = naive.CreateCommand();
                read.CommandText = "SELECT COALESCE(MAX(id), 0) + 1 FROM events;";
                long id = (long)read.ExecuteScalar()!;
                Thread.Sleep(1); // the window a busy writer has between its read and its write
                using var write = naive.CreateCommand();
                write.CommandText = "INSERT OR REPLACE INTO events (id, interaction, actor, type, content, ts_us, fingerprint, occurrence) " +
                                    "VALUES ($id, 1, $agent, 'question', $content, 0, $fp, 1);";
                write.Parameters.AddWithValue("$id", id);
                write.Parameters.AddWithValue("$agent", agent);
                write.Parameters.AddWithValue("$content", $"{agent} event {i}");
                write.Parameters.AddWithValue("$fp", Guid.NewGuid().ToString("N"));
                write.ExecuteNonQuery();
            }
        }
        Console.Out.WriteLine($"{start} {DateTimeOffset.UtcNow.UtcTicks}");
        return 0;
    }

    private static int Consume(FastbandProject project, string handledFile, int delayMs)
    {
        while (true)
        {
            var batch = project.Events.Next(5);
            if (batch.Count == 0) return 0;
            foreach (var e in batch)
            {
                using (var f = new FileStream(handledFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
                {
                    f.Write(Encoding.ASCII.GetBytes($"{e.Id}\n"));
                    f.Flush(flushToDisk: true);
                }
                Thread.Sleep(delayMs); // the work of handling it
                project.Events.Ack(e.Id);
            }
        }
    }
}
