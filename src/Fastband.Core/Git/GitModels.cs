using Fastband.Core.Sessions;

namespace Fastband.Core.Git;

/// <summary>What to commit: the given files (relative to the project folder) or, with none, every change.</summary>
public sealed record GitCommitRequest
{
    public string Task { get; init; } = "";
    public string Description { get; init; } = "";

    /// <summary>The files to commit; null or empty: all changes (tracked and untracked, not ignored).</summary>
    public IReadOnlyList<string>? Files { get; init; }
}

/// <summary>The outcome of committing an agent's work. Nothing to commit is a result (Committed false), not an error.</summary>
public sealed class GitCommitResult
{
    public bool Committed { get; init; }
    public string? CommitId { get; init; }
    public string? ShortId { get; init; }
    public string Agent { get; init; } = "";
    public string Task { get; init; } = "";
    public string? Session { get; init; }

    /// <summary>The whole commit message, trailers included (what would have been used when nothing was committed).</summary>
    public string Message { get; init; } = "";

    /// <summary>The paths the commit changed, relative to the repository's top folder.</summary>
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();

    /// <summary>Why nothing was committed, when nothing was.</summary>
    public string? Reason { get; init; }

    public override string ToString() => Committed
        ? $"Committed {ShortId} ({Files.Count} file{(Files.Count == 1 ? "" : "s")}): {Message.Split('\n')[0]}"
        : $"Nothing to commit: {Reason}";
}

/// <summary>One commit in a history listing, with the agent from its <c>Agent:</c> trailer.</summary>
public sealed class GitCommitInfo
{
    public string CommitId { get; init; } = "";
    public string ShortId { get; init; } = "";

    /// <summary>The <c>Agent:</c> trailer, or null when the commit has none (not made through Fastband).</summary>
    public string? Agent { get; init; }
    public string? Task { get; init; }
    public string? Session { get; init; }
    public string Subject { get; init; } = "";
    public string Author { get; init; } = "";
    public DateTimeOffset AuthoredAt { get; init; }
    public IReadOnlyList<string> Parents { get; init; } = Array.Empty<string>();
    public bool IsMerge => Parents.Count > 1;

    public override string ToString() =>
        $"{ShortId} {Subject}" + (Agent is null ? "  (no Agent trailer)" : Subject.StartsWith($"[{Agent}]", StringComparison.OrdinalIgnoreCase) ? "" : $"  (agent {Agent})");
}

/// <summary>One uncommitted change, from <c>git status --porcelain=v2</c>.</summary>
public sealed class GitChange
{
    /// <summary>Relative to the repository's top folder.</summary>
    public string Path { get; init; } = "";

    /// <summary>For a rename or copy, where it came from.</summary>
    public string? OriginalPath { get; init; }

    /// <summary>modified, added, deleted, renamed, copied, type_changed, untracked or conflicted.</summary>
    public string Kind { get; init; } = "";

    /// <summary>True when the index differs from HEAD for this path.</summary>
    public bool Staged { get; init; }

    /// <summary>True when the work tree differs from the index for this path (always for untracked files).</summary>
    public bool Unstaged { get; init; }

    public override string ToString() => OriginalPath is null ? $"{Kind} {Path}" : $"{Kind} {OriginalPath} -> {Path}";
}

/// <summary>A named checkpoint: an annotated tag <c>checkpoint-&lt;name&gt;</c>, plus its record in the store.</summary>
public sealed class GitCheckpoint
{
    public string Name { get; init; } = "";
    public string Tag { get; init; } = "";
    public string CommitId { get; init; } = "";
    public string ShortId => CommitId.Length >= 7 ? CommitId[..7] : CommitId;
    public string? Description { get; init; }
    public string? Agent { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>The session whose state was recorded with the checkpoint, if any.</summary>
    public string? SessionId { get; init; }
    public bool HasSessionState { get; init; }

    /// <summary>On creation: the commit made of outstanding work first (null when there was none, and in listings).</summary>
    public string? WorkCommitId { get; init; }

    /// <summary>On creation: true when an existing checkpoint of this name was moved (--force).</summary>
    public bool Replaced { get; init; }

    public override string ToString() =>
        $"{Name} at {ShortId}" + (Description is { Length: > 0 } d ? $": {d}" : "") + (HasSessionState ? $" (with session {SessionId})" : "");
}

/// <summary>
/// Everything that was uncommitted (tracked and untracked, not ignored) and where HEAD was, kept under
/// <c>refs/fastband/snapshots/&lt;id&gt;</c> before a restore changed the work tree; a restore's snapshot also holds
/// the ignored files that restore overwrote or removed (<see cref="GitRestoreResult.IgnoredSaved"/>).
/// </summary>
public sealed class GitSnapshot
{
    public string Id { get; init; } = "";
    public string Ref { get; init; } = "";

    /// <summary>The snapshot commit: its tree is the work tree, its first parent HEAD, its second the index.</summary>
    public string CommitId { get; init; } = "";

    /// <summary>Where HEAD was (null in a repository without commits).</summary>
    public string? BaseCommit { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public string? Agent { get; init; }
    public string? Reason { get; init; }
    public string? SessionId { get; init; }
    public bool HasSessionState { get; init; }

    /// <summary>The command that puts this snapshot back.</summary>
    public string RestoreCommand => $"fastband git snapshots restore {Id} --confirm";

    public override string ToString() => $"{Id} ({Reason ?? "snapshot"})";
}

/// <summary>The state of the repository, read without taking index.lock.</summary>
public sealed class GitStatus
{
    public string Repository { get; init; } = "";

    /// <summary>The branch, or null when HEAD is detached.</summary>
    public string? Branch { get; init; }

    /// <summary>HEAD's commit, or null before the first commit.</summary>
    public string? HeadCommit { get; init; }
    public string? Upstream { get; init; }
    public int? Ahead { get; init; }
    public int? Behind { get; init; }
    public bool IsClean => Changes.Count == 0;
    public IReadOnlyList<GitChange> Changes { get; init; } = Array.Empty<GitChange>();
    public IReadOnlyList<GitCommitInfo> RecentCommits { get; init; } = Array.Empty<GitCommitInfo>();
    public IReadOnlyList<GitCheckpoint> Checkpoints { get; init; } = Array.Empty<GitCheckpoint>();
    public IReadOnlyList<GitSnapshot> Snapshots { get; init; } = Array.Empty<GitSnapshot>();

    public override string ToString() => $"{Branch ?? "(detached)"}: {(IsClean ? "clean" : $"{Changes.Count} changes")}";
}

/// <summary>The outcome of rolling back commits (a soft reset: their changes stay staged).</summary>
public sealed class GitRollbackResult
{
    public bool RolledBack { get; init; }
    public bool DryRun { get; init; }
    public bool Forced { get; init; }
    public int Count { get; init; }

    /// <summary>HEAD before.</summary>
    public string FromCommit { get; init; } = "";

    /// <summary>HEAD after (or, in a dry run, what it would be).</summary>
    public string ToCommit { get; init; } = "";

    /// <summary>The commits rolled back, newest first.</summary>
    public IReadOnlyList<GitCommitInfo> Commits { get; init; } = Array.Empty<GitCommitInfo>();

    /// <summary>The reasons a rollback would have been refused, overridden by --force.</summary>
    public IReadOnlyList<string> Overridden { get; init; } = Array.Empty<string>();

    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>The outcome of restoring a checkpoint or a snapshot.</summary>
public sealed class GitRestoreResult
{
    /// <summary>checkpoint or snapshot.</summary>
    public string Kind { get; init; } = "";
    public string Target { get; init; } = "";
    public string TargetCommit { get; init; } = "";
    public string? PreviousHead { get; init; }
    public bool DryRun { get; init; }

    /// <summary>What was uncommitted before, and where HEAD was: restore it to undo this restore (null in a dry run).</summary>
    public GitSnapshot? Snapshot { get; init; }

    /// <summary>Files whose content the restore changes (or would change), relative to the repository's top folder.</summary>
    public IReadOnlyList<string> ChangedFiles { get; init; } = Array.Empty<string>();

    /// <summary>Untracked files that are not in the target and were left in place.</summary>
    public IReadOnlyList<string> UntrackedKept { get; init; } = Array.Empty<string>();

    /// <summary>Untracked files removed (--remove-untracked); each is in the snapshot, byte for byte.</summary>
    public IReadOnlyList<string> UntrackedRemoved { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Ignored files the restore overwrote or removed (or, in a dry run, would), relative to the repository's top
    /// folder: a file the target tracks that is ignored here, or one in an ignored folder where the target has a file.
    /// Each is in <see cref="Snapshot"/>, byte for byte: <c>git show &lt;snapshot ref&gt;:PATH</c> prints one, and
    /// restoring the snapshot puts them all back, untracked.
    /// </summary>
    public IReadOnlyList<string> IgnoredSaved { get; init; } = Array.Empty<string>();

    /// <summary>The session whose state was put back too (--with-session), else null.</summary>
    public string? SessionRestored { get; init; }

    public string Message { get; init; } = "";

    public override string ToString() => Message;
}

/// <summary>A checkpoint as the store keeps it: the commit, and the caller's session state at that moment.</summary>
public sealed record CheckpointRecord(string Name, string CommitId, string? Description, string Agent, string? SessionId,
    SessionState? SessionState, DateTimeOffset CreatedAt);

/// <summary>A snapshot as the store keeps it, with the session state it replaced when a restore put another back.</summary>
public sealed record SnapshotRecord(string SnapshotId, string CommitId, string? Reason, string Agent, string? SessionId,
    SessionState? SessionState, DateTimeOffset CreatedAt);
