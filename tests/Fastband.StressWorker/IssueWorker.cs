using System.Data.Common;
using Fastband.Core;

/// <summary>
/// Issue claim modes of the race worker.
///   claim PROJECT AGENT ROUNDS SYNC: for round r = 0..ROUNDS-1 (until SYNC/stop appears), pass the start gate SYNC/go.r, then
///     open the project (as every CLI call and cmdlet does) and claim issue race_r through IssueService.Claim (the real
///     path). Writes "r gateTicks claimTicks endTicks won|lost token" to SYNC/result.r.AGENT: when it saw the gate, when
///     it began the claim itself, when the claim returned.
///   naiveclaim ...: the negative control: the same, but the claim reads the issue's status and, if it is new, sets the
///     claimant with a separate unconditional UPDATE 10 ms later, outside any transaction (the read-then-write double-claim bug).
/// </summary>
internal static class IssueWorker
{
    public static int Run(string[] args)
    {
        string mode = args[0], projectDir = args[1], agent = args[2], sync = args[4];
        int rounds = int.Parse(args[3]);
        using (var warm = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent }))
            warm.Issues.Get("race_000"); // warm up: code loaded and jitted before the first gate
        string stop = Path.Combine(sync, "stop");
        for (int r = 0; r < rounds && !File.Exists(stop); r++)
        {
            string issue = $"race_{r:000}";
            // The negative control's own connection is made before the gate (on PostgreSQL a connect takes milliseconds
            // of authentication), so that connecting does not keep the unprotected reads and writes apart.
            using var naive = mode == "naiveclaim" ? RawStore.Open(projectDir) : null;
            if (!StartGate.Pass(Path.Combine(sync, $"go.{r}"), agent, stop)) return File.Exists(stop) ? 0 : 1;
            long gateSeen = DateTimeOffset.UtcNow.UtcTicks;
            using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
            long start = DateTimeOffset.UtcNow.UtcTicks;
            string outcome;
            if (naive is null)
            {
                try
                {
                    outcome = $"won {project.Issues.Claim(issue).ClaimToken}";
                }
                catch (BlockedException e) when (e.ErrorId == "IssueUnavailable")
                {
                    outcome = "lost -";
                }
            }
            else
            {
                outcome = NaiveClaim(naive, issue, agent) ? "won -" : "lost -";
            }
            long end = DateTimeOffset.UtcNow.UtcTicks;
            string result = Path.Combine(sync, $"result.{r}.{agent}");
            File.WriteAllText(result + ".tmp", $"{r} {gateSeen} {start} {end} {outcome}");
            File.Move(result + ".tmp", result);
        }
        return 0;
    }

    private static bool NaiveClaim(DbConnection c, string issue, string agent)
    {
        using var read = c.CreateCommand();
        read.CommandText = "SELECT status FROM issues WHERE id = @id;";
        Add(read, "id", issue);
        if ((string?)read.ExecuteScalar() != "new") return false;
        // The window between the look and the write, as an agent doing work in between would leave (CampaignWorker has
        // one too): on PostgreSQL the two statements are otherwise a millisecond apart, less than the processes' skew.
        Thread.Sleep(10);
        using var write = c.CreateCommand();
        write.CommandText = "UPDATE issues SET status = 'in_progress', assigned_to = @agent WHERE id = @id;";
        Add(write, "agent", agent);
        Add(write, "id", issue);
        write.ExecuteNonQuery();
        return true;
    }

    private static void Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = "@" + name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
