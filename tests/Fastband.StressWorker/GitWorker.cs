using Fastband.Core;
using Fastband.Core.Git;

/// <summary>
/// The git commit race of the worker.
///   gitcommit REPO AGENT COUNT GATE fastband|plain: COUNT times, write REPO/AGENT/fI.txt and commit it.
///     fastband: GitService.Commit of that file (the writer lock, index.lock retries).
///     plain:    the negative control, 'git add FILE' then 'git commit -m MSG' as separate processes, as a script would.
///   Prints "startTicks endTicks failures retries" (UTC ticks); a plain worker keeps going after a failure and counts it,
///   and prints each failure's stderr line after the first line.
/// </summary>
internal static class GitWorker
{
    public static int Run(string[] args)
    {
        string repo = args[1], agent = args[2], gate = args[4], mode = args[5];
        int count = int.Parse(args[3]);
        Directory.CreateDirectory(Path.Combine(repo, agent));
        using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = repo, Agent = agent, Session = agent + "-session" });
        // Warm up before the gate: a first query of the store, and git run once (read-only: no index.lock taken).
        project.Locks.List();
        if (!project.Git.Runner.Run(new[] { "rev-parse", "HEAD" }, readOnly: true).Ok) { Console.Error.WriteLine("git rev-parse HEAD failed"); return 1; }
        if (!StartGate.Pass(gate, agent)) return 1;
        long start = DateTimeOffset.UtcNow.UtcTicks;
        int failures = 0;
        var errors = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string rel = $"{agent}/f{i}.txt";
            File.WriteAllText(Path.Combine(repo, rel), $"{agent} change {i}\n");
            if (mode == "fastband")
            {
                var r = project.Git.Commit(new GitCommitRequest { Task = $"T{i}", Description = $"change {i}", Files = new[] { rel } });
                if (!r.Committed) { Console.Error.WriteLine($"not committed: {r.Reason}"); return 1; }
            }
            else
            {
                var git = new GitRunner(repo);
                var add = git.Run(new[] { "add", "--", rel });
                var commit = add.Ok ? git.Run(new[] { "commit", "-q", "-m", $"[{agent}] T{i}: change {i}\n\nAgent: {agent}" }) : add;
                if (!commit.Ok) { failures++; errors.Add(commit.Reason); }
            }
        }
        long end = DateTimeOffset.UtcNow.UtcTicks;
        Console.Out.WriteLine($"{start} {end} {failures} {project.Git.Runner.LockRetries}");
        foreach (var e in errors) Console.Out.WriteLine(e.ReplaceLineEndings(" "));
        return 0;
    }
}
