using Fastband.Core;
using Fastband.Core.Leader;
using Fastband.Core.Locks;

/// <summary>
/// Leader campaign modes of the race worker.
///   campaign PROJECT AGENT ATTEMPTS GATE: after the start gate, campaigns ATTEMPTS times (LeaderService.Campaign);
///     prints "startTicks endTicks" and then "won TERM" for each campaign that started a term.
///   naivecampaign ...: the negative control: looks for a live leader, and if it sees none elects itself in a
///     separate write, so the look and the election are not one transaction.
/// </summary>
internal static class CampaignWorker
{
    public static int Run(string[] args)
    {
        string mode = args[0], projectDir = args[1], agent = args[2], gate = args[4];
        int attempts = int.Parse(args[3]);
        using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
        project.Leader.Show(); // warm up before the gate, so that start-up time does not keep the workers apart
        if (!StartGate.Pass(gate, agent)) return 1;
        long start = DateTimeOffset.UtcNow.UtcTicks;
        var won = new List<long>();
        for (int i = 0; i < attempts; i++)
        {
            if (mode == "campaign")
            {
                try
                {
                    var s = project.Leader.Campaign();
                    if (s.Elected) won.Add(s.Term);
                }
                catch (BlockedException) { /* refused: another leads */ }
                continue;
            }
            // A worker that won believes it leads and stops campaigning (it keeps looking, so its window stays open).
            if (project.Leader.Show().HasLeader || won.Count > 0) continue;
            Thread.Sleep(2); // the window between the look and the write
            var now = DateTimeOffset.UtcNow;
            won.Add(project.Store.Leader.Write(tx =>
            {
                long next = (tx.LatestTerm()?.Term ?? 0) + 1;
                long token = tx.Locks.NextFencingToken();
                string leaseId = $"naive-{agent}-{i}";
                tx.Locks.InsertLease(new Lease
                {
                    LeaseId = leaseId, FencingToken = token, Resources = new[] { LeaderService.Resource }, Agent = agent,
                    Host = Environment.MachineName, AcquiredAt = now, RenewedAt = now, ExpiresAt = now.AddMinutes(5),
                });
                tx.InsertTerm(new LeaderTerm { Term = next, Agent = agent, Host = Environment.MachineName, LeaseId = leaseId, FencingToken = token, StartedAt = now });
                return next;
            }));
        }
        Console.Out.WriteLine($"{start} {DateTimeOffset.UtcNow.UtcTicks}");
        foreach (long term in won) Console.Out.WriteLine($"won {term}");
        return 0;
    }
}
