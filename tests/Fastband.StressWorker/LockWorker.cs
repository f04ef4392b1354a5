using System.Text;
using Fastband.Core;
using Fastband.Core.Locks;

/// <summary>
/// Lock modes of the race worker.
///   lock PROJECT AGENT COUNT GATE MARKS: COUNT times, take the lock on "critical.txt" (waiting), append
///     "enter AGENT" and "exit AGENT" to MARKS inside the critical section, release. Prints "startTicks endTicks".
///   nolock ...: the same without the lock (the negative control).
///   hold PROJECT AGENT TTL_SECONDS tied|untied RESOURCE: take the lock, print "held LEASE TOKEN", then sleep until killed.
///   wait PROJECT AGENT RESOURCE FALLBACK_POLL_SECONDS HOLD_MS: take the lock waiting up to 2 minutes, looking at the lock
///     state unprompted only every FALLBACK_POLL_SECONDS (so that a quick grant shows it was woken); print
///     "granted TOKEN RECLAIMED" (RECLAIMED: why the leases it reclaimed were stale, comma-separated, or "-"), hold it
///     HOLD_MS, release it and print "released". Prints "refused MESSAGE" if the wait ran out.
/// </summary>
internal static class LockWorker
{
    public static int Run(string[] args)
    {
        string mode = args[0], projectDir = args[1], agent = args[2];
        if (mode == "hold")
        {
            using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
            var result = p.Locks.Acquire(new LockRequest
            {
                Resources = new[] { args[5] }, Ttl = TimeSpan.FromSeconds(double.Parse(args[3])), TieToCaller = args[4] == "tied",
            });
            if (!result.Granted) { Console.Error.WriteLine(result.Message); return 3; }
            Console.Out.WriteLine($"held {result.Lease!.LeaseId} {result.Lease.FencingToken}");
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
        if (mode == "wait") return Wait(projectDir, agent, args[3], TimeSpan.FromSeconds(double.Parse(args[4])), int.Parse(args[5]));
        int count = int.Parse(args[3]);
        string gate = args[4], marks = args[5];
        // Open and warm up before the gate, so that start-up time does not keep the workers apart.
        using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
        project.Locks.List();
        if (!StartGate.Pass(gate, agent)) return 1;
        long start = DateTimeOffset.UtcNow.UtcTicks;
        for (int i = 0; i < count; i++)
        {
            Lease? lease = null;
            if (mode == "lock")
            {
                var r = project.Locks.Acquire(new LockRequest { Resources = new[] { "critical.txt" }, Wait = TimeSpan.FromMinutes(2), Ttl = TimeSpan.FromMinutes(5) });
                if (!r.Granted) { Console.Error.WriteLine(r.Message); return 3; }
                lease = r.Lease;
            }
            Mark(marks, $"enter {agent}\n");
            Thread.Sleep(2); // the critical section: long enough for an intruder to land inside it
            Mark(marks, $"exit {agent}\n");
            if (lease is not null) project.Locks.Release(lease.LeaseId);
        }
        Console.Out.WriteLine($"{start} {DateTimeOffset.UtcNow.UtcTicks}");
        return 0;
    }

    private static int Wait(string projectDir, string agent, string resource, TimeSpan fallbackPoll, int holdMs)
    {
        using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = projectDir, Agent = agent });
        p.Locks.FallbackPoll = fallbackPoll;
        var r = p.Locks.Acquire(new LockRequest { Resources = new[] { resource }, Wait = TimeSpan.FromMinutes(2), Ttl = TimeSpan.FromMinutes(5) });
        if (!r.Granted)
        {
            Console.Out.WriteLine($"refused {r.Message}");
            return 3;
        }
        string why = r.Reclaimed.Count == 0 ? "-" : string.Join(",", r.Reclaimed.Select(x => x.Why));
        Console.Out.WriteLine($"granted {r.Lease!.FencingToken} {why}");
        Console.Out.Flush();
        Thread.Sleep(holdMs);
        p.Locks.Release(r.Lease.LeaseId);
        Console.Out.WriteLine("released");
        return 0;
    }

    /// <summary>
    /// One short write at the end of the file. Not an O_APPEND (.NET's FileMode.Append writes at the end it saw on
    /// opening), so two writers at once can overwrite each other: safe inside the lock, where one writes at a time, and
    /// in the unprotected control a lost mark is one more sign of the overlap it exists to show.
    /// </summary>
    private static void Mark(string path, string line)
    {
        using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        f.Write(Encoding.ASCII.GetBytes(line));
    }
}
