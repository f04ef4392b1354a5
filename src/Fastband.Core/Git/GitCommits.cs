namespace Fastband.Core.Git;

/// <summary>
/// Attributed commits (the agent as author, Agent/Task/Session trailers) and the rollback of one's own unpushed
/// commits. Both hold the repository's <see cref="GitWriterLock"/>.
/// </summary>
internal sealed class GitCommits(GitRepository repository)
{
    public const int MaxTaskLength = 100;
    public const int MaxDescriptionLength = 500;

    private CallerIdentity Caller => repository.Caller;
    private string? Session => repository.Session;

    /// <summary>Commits the caller's work: the given files, or every change. Nothing to commit is a result, not an error.</summary>
    public GitCommitResult Commit(GitCommitRequest request)
    {
        string task = GitRepository.Line(request.Task, "task", MaxTaskLength, "InvalidTask");
        string description = GitRepository.Line(request.Description, "description", MaxDescriptionLength, "InvalidDescription");
        var files = NormalizeFiles(request.Files);
        var repo = repository.Locate();
        using var gate = repository.Lock(repo, "commit");
        return CommitLocked(repo, task, description, files);
    }

    /// <summary>The commit itself; the caller holds the writer lock (a checkpoint commits outstanding work under its own).</summary>
    internal GitCommitResult CommitLocked(GitLocation repo, string task, string description, IReadOnlyList<string>? files)
    {
        var git = repository.Runner;
        string message = $"[{Caller.Agent}] {task}: {description}\n\nAgent: {Caller.Agent}\nTask: {task}" + (Session is null ? "" : $"\nSession: {Session}");
        var spec = files is null ? repo.AllPathspec : files.Select(f => ":(literal)" + f).ToArray();
        if (files is not null)
        {
            // git add stages the other named files before it refuses an ignored one: refuse before it runs.
            var ignored = repository.IgnoredUntracked(files);
            if (ignored.Count > 0)
                throw new InvalidInputException("IgnoredFile", $"{string.Join(", ", ignored)} {(ignored.Count == 1 ? "is" : "are")} ignored by the repository's ignore rules, so nothing was committed: leave ignored files out, or change .gitignore.");
        }
        var add = git.RunRetrying(new[] { "add", "-A", "--" }.Concat(spec));
        if (!add.Ok)
        {
            if (add.Error.Contains("did not match any files", StringComparison.Ordinal))
                throw new InvalidInputException("FileNotFound", $"git add refused: {add.Reason}; name files that exist, or that git tracks (to commit a deletion).");
            throw GitRepository.Failed("add", add);
        }
        var staged = git.Run(files is null ? new[] { "diff", "--cached", "--name-only", "-z" } : new[] { "diff", "--cached", "--name-only", "-z", "--" }.Concat(spec), readOnly: true);
        if (!staged.Ok) throw GitRepository.Failed("diff --cached", staged);
        var changed = GitRepository.Split0(staged.Output);
        if (changed.Count == 0)
        {
            return new GitCommitResult
            {
                Committed = false, Agent = Caller.Agent, Task = task, Session = Session, Message = message,
                Reason = files is null ? "the work tree and the index match HEAD" : $"{string.Join(", ", files)} match HEAD",
            };
        }
        var args = new List<string> { "commit", "-q", "--no-edit", "--cleanup=whitespace", "-m", message };
        if (files is not null) { args.Add("--only"); args.Add("--"); args.AddRange(spec); }
        var commit = git.RunRetrying(args, repository.Identity());
        if (!commit.Ok) throw GitRepository.Failed("commit", commit);
        string id = repository.ResolveCommit("HEAD") ?? throw GitRepository.Failed("rev-parse HEAD", commit);
        return new GitCommitResult
        {
            Committed = true, CommitId = id, ShortId = id[..7], Agent = Caller.Agent, Task = task, Session = Session, Message = message, Files = changed,
        };
    }

    /// <summary>
    /// Rolls back the last <paramref name="count"/> commits with a soft reset (their changes stay staged).
    /// Refused, unless <paramref name="force"/>, when any of them is another agent's (or has no Agent trailer),
    /// is reachable from a remote-tracking branch, or is a merge.
    /// </summary>
    public GitRollbackResult Rollback(int count = 1, bool force = false, bool dryRun = false)
    {
        if (count < 1) throw new InvalidInputException("InvalidCount", "Roll back at least 1 commit.");
        var repo = repository.Locate();
        using var gate = dryRun ? null : repository.Lock(repo, "rollback");
        string head = repository.ResolveCommit("HEAD") ?? throw new InvalidInputException("NoCommits", "The repository has no commits to roll back.");
        // The last N commits are the first-parent chain: a merge's side branch is not "after" its base.
        var commits = repository.Log(count, head, firstParent: true);
        if (commits.Count < count || commits[^1].Parents.Count == 0)
            throw new InvalidInputException("TooManyCommits",
                $"Only {commits.Count(c => c.Parents.Count > 0)} commit(s) on this branch can be rolled back (the first commit of a repository cannot): roll back fewer.");
        string target = commits[^1].Parents[0];
        var unpushed = GitRepository.Split(repository.Runner.Run(new[] { "rev-list", "--first-parent", $"--max-count={count}", head, "--not", "--remotes" }, readOnly: true).Output).ToHashSet();
        var reasons = new List<string>();
        foreach (var c in commits)
        {
            if (c.IsMerge) reasons.Add($"{c.ShortId} is a merge");
            if (c.Agent is null) reasons.Add($"{c.ShortId} has no Agent trailer (not made through Fastband)");
            else if (!string.Equals(c.Agent, Caller.Agent, StringComparison.OrdinalIgnoreCase)) reasons.Add($"{c.ShortId} is {c.Agent}'s");
            if (!unpushed.Contains(c.CommitId)) reasons.Add($"{c.ShortId} is already pushed (on a remote-tracking branch)");
        }
        if (reasons.Count > 0 && !force)
            throw new BlockedException("RollbackRefused",
                $"Rolling back {count} commit(s) as {Caller.Agent} is refused because {string.Join("; ", reasons)}: roll back fewer, or pass --force (-Force) if you are sure.");
        string summary = $"{count} commit(s) {(dryRun ? "would be" : "were")} rolled back ({head[..7]} -> {target[..7]}); their changes {(dryRun ? "would stay" : "stay")} staged in the index and the work tree.";
        if (!dryRun)
        {
            // Compare-and-swap on HEAD: the same as reset --soft, but it fails if HEAD moved since it was read.
            var move = repository.Runner.RunRetrying(new[] { "update-ref", "-m", $"fastband rollback {count} by {Caller.Agent}", "HEAD", target, head });
            if (!move.Ok) throw GitRepository.Failed("update-ref HEAD", move);
        }
        return new GitRollbackResult
        {
            RolledBack = !dryRun, DryRun = dryRun, Forced = force && reasons.Count > 0, Count = count, FromCommit = head, ToCommit = target,
            Commits = commits, Overridden = force ? reasons : Array.Empty<string>(), Message = (dryRun ? "Dry run: " : "") + summary,
        };
    }

    /// <summary>The named files relative to the project folder (null: every change); a file outside the repository is refused.</summary>
    private IReadOnlyList<string>? NormalizeFiles(IReadOnlyList<string>? files)
    {
        if (files is null || files.Count == 0) return null;
        var list = new List<string>();
        foreach (string f in files.Select(f => f?.Trim() ?? "").Where(f => f.Length > 0))
        {
            string full = Path.GetFullPath(Path.Combine(repository.ProjectRoot, f));
            string rel = Path.GetRelativePath(repository.ProjectRoot, full).Replace('\\', '/');
            if (rel.StartsWith("..", StringComparison.Ordinal) && Path.GetRelativePath(repository.Locate().Top, full).StartsWith("..", StringComparison.Ordinal))
                throw new InvalidInputException("FileOutsideRepository", $"'{f}' is outside the repository: name files inside it.");
            list.Add(rel);
        }
        return list.Count == 0 ? null : list;
    }
}
