using Fastband.Core.Sessions;
using Fastband.Core.Store;

namespace Fastband.Core.Git;

/// <summary>
/// Named checkpoints: outstanding work committed, then an annotated tag <c>checkpoint-&lt;name&gt;</c> on HEAD, and
/// a record in the store with the session state of the moment. (Going back to one is a restore: <see cref="GitRestores"/>.)
/// </summary>
internal sealed class GitCheckpoints(GitRepository repository, GitCommits commits, ISessionStore sessionStore, SessionService sessions)
{
    public const string TagPrefix = "checkpoint-";
    public const int MaxNameLength = 100;

    /// <summary>
    /// Commits outstanding work, then tags HEAD <c>checkpoint-&lt;name&gt;</c> (annotated, with the description), and
    /// records the checkpoint in the store with the session state of <paramref name="sessionId"/> (default: the caller's).
    /// An existing name is refused unless <paramref name="force"/>.
    /// </summary>
    public GitCheckpoint Create(string name, string? description = null, bool force = false, string? sessionId = null)
    {
        name = ValidName(name);
        string? desc = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
        if (desc is not null && desc.Length > GitCommits.MaxDescriptionLength)
            throw new InvalidInputException("InvalidDescription", $"The description is {desc.Length} characters, over the limit of {GitCommits.MaxDescriptionLength}.");
        string? session = string.IsNullOrWhiteSpace(sessionId) ? repository.Session : sessionId.Trim();
        string agent = repository.Caller.Agent;
        var repo = repository.Locate();
        using var gate = repository.Lock(repo, "checkpoint");
        string tag = TagPrefix + name;
        string? existing = repository.ResolveCommit($"refs/tags/{tag}");
        if (existing is not null && !force)
            throw new BlockedException("CheckpointExists",
                $"Checkpoint '{name}' already exists (tag {tag} at {existing[..7]}): choose another name, or pass --force (-Force) to move it to the current work.");
        var work = commits.CommitLocked(repo, "checkpoint", $"work before checkpoint {name}", null);
        string head = repository.ResolveCommit("HEAD")
            ?? throw new InvalidInputException("NothingToCheckpoint", "The repository has no commits and no changes to commit, so there is nothing to checkpoint: add some files first.");
        string tagMessage = (desc ?? $"Checkpoint {name}") + $"\n\nAgent: {agent}" + (session is null ? "" : $"\nSession: {session}");
        var args = new List<string> { "tag", "-a" };
        if (force) args.Add("-f");
        args.AddRange(new[] { "-m", tagMessage, tag, head });
        var tagRun = repository.Runner.RunRetrying(args, repository.Identity());
        if (!tagRun.Ok) throw GitRepository.Failed("tag", tagRun);
        var state = session is null ? null : sessions.Find(session);
        var now = repository.Clock.GetUtcNow();
        sessionStore.SaveCheckpoint(new CheckpointRecord(name, head, desc, agent, session, state, now));
        return new GitCheckpoint
        {
            Name = name, Tag = tag, CommitId = head, Description = desc, Agent = agent, CreatedAt = now, SessionId = session,
            HasSessionState = state is not null, WorkCommitId = work.CommitId, Replaced = existing is not null,
        };
    }

    /// <summary>Every checkpoint tag, newest first, with what the store recorded about it.</summary>
    public IReadOnlyList<GitCheckpoint> List()
    {
        repository.Locate();
        var tags = repository.NewestRefs("refs/tags/" + TagPrefix + "*",
            "%(refname:strip=2)", "%(*objectname)", "%(objectname)", "%(creatordate:iso-strict)", "%(contents:subject)");
        var records = sessionStore.ListCheckpoints().ToDictionary(c => c.Record.Name, StringComparer.Ordinal);
        var list = new List<GitCheckpoint>();
        foreach (var f in tags)
        {
            string name = f[0][TagPrefix.Length..];
            string commit = f[1].Length > 0 ? f[1] : f[2];
            records.TryGetValue(name, out var stored);
            bool same = stored.Record is not null && stored.Record.CommitId == commit;
            list.Add(new GitCheckpoint
            {
                Name = name, Tag = f[0], CommitId = commit, Description = same ? stored.Record!.Description : f[4],
                Agent = same ? stored.Record!.Agent : null, CreatedAt = GitRepository.ParseDate(f[3]),
                SessionId = same ? stored.Record!.SessionId : null, HasSessionState = same && stored.HasState,
            });
        }
        return list;
    }

    /// <summary>The commit a checkpoint's tag points at, or null when there is no such checkpoint.</summary>
    internal string? Resolve(string name) => repository.ResolveCommit($"refs/tags/{TagPrefix}{name}");

    /// <summary>What the store recorded with a checkpoint, or null.</summary>
    internal CheckpointRecord? Record(string name) => sessionStore.GetCheckpoint(name);

    /// <summary>The error for a checkpoint that does not exist, naming the ones that do.</summary>
    internal NotFoundException NotFound(string name)
    {
        var known = List().Select(c => c.Name).Take(10).ToArray();
        return new NotFoundException("CheckpointNotFound", $"No checkpoint '{name}' (tag {TagPrefix}{name}): " +
            (known.Length == 0 ? "make one with 'fastband git checkpoint NAME'." : $"the checkpoints are {string.Join(", ", known)}."));
    }

    /// <summary>A checkpoint name, trimmed, that is also a valid tag name; else the error saying what one looks like.</summary>
    internal static string ValidName(string name)
    {
        string n = (name ?? "").Trim();
        if (n.Length == 0 || n.Length > MaxNameLength || n.StartsWith('.') || n.StartsWith('-') || n.EndsWith(".lock", StringComparison.Ordinal)
            || n.Contains("..", StringComparison.Ordinal) || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new InvalidInputException("InvalidCheckpointName",
                $"'{name}' is not a valid checkpoint name: use 1 to {MaxNameLength} letters, digits, '-', '_' or '.', not starting with '.' or '-'.");
        return n;
    }
}
