using Fastband.Core.Health;

namespace Fastband.Core.Git;

/// <summary>
/// The git safety net as the CLI and the cmdlets call it (<c>project.Git</c>): each entry point hands over to the
/// part that does the work, one concern each: <see cref="GitCommits"/> (attributed commits, rollback),
/// <see cref="GitCheckpoints"/>, <see cref="GitSnapshots"/>, <see cref="GitRestores"/> (restores that snapshot
/// everything uncommitted first), <see cref="GitStatusReader"/> and <see cref="GitHealthCheck"/>. All of them run
/// the real git through one <see cref="GitRepository"/>; every writing operation holds the repository's
/// <see cref="GitWriterLock"/> and retries git's own lock files.
/// </summary>
public sealed class GitService
{
    /// <summary>How many recent commits <see cref="Status"/> shows unless told otherwise.</summary>
    public const int DefaultRecentCommits = 10;

    private readonly GitRepository _repo;
    private readonly GitCommits _commits;
    private readonly GitCheckpoints _checkpoints;
    private readonly GitSnapshots _snapshots;
    private readonly GitRestores _restores;
    private readonly GitStatusReader _status;

    internal GitService(GitRepository repo, GitCommits commits, GitCheckpoints checkpoints, GitSnapshots snapshots, GitRestores restores,
        GitStatusReader status, IHealthCheck health)
    {
        _repo = repo;
        _commits = commits;
        _checkpoints = checkpoints;
        _snapshots = snapshots;
        _restores = restores;
        _status = status;
        Health = health;
    }

    /// <summary>The caller's session, written as the <c>Session:</c> trailer and recorded with checkpoints.</summary>
    public string? Session => _repo.Session;

    /// <summary>How long a writer waits for another Fastband writer in the same repository.</summary>
    public TimeSpan WriterTimeout
    {
        get => _repo.WriterTimeout;
        set => _repo.WriterTimeout = value;
    }

    /// <summary>The runner, for tests and the bench (how often it retried a lock file).</summary>
    public GitRunner Runner => _repo.Runner;

    /// <summary>The git check of <c>fastband health</c> (FastbandProject registers it).</summary>
    public IHealthCheck Health { get; }

    /// <inheritdoc cref="GitCommits.Commit"/>
    public GitCommitResult Commit(GitCommitRequest request) => _commits.Commit(request);

    /// <inheritdoc cref="GitCommits.Rollback"/>
    public GitRollbackResult Rollback(int count = 1, bool force = false, bool dryRun = false) => _commits.Rollback(count, force, dryRun);

    /// <inheritdoc cref="GitCheckpoints.Create"/>
    public GitCheckpoint CreateCheckpoint(string name, string? description = null, bool force = false, string? sessionId = null) =>
        _checkpoints.Create(name, description, force, sessionId);

    /// <inheritdoc cref="GitCheckpoints.List"/>
    public IReadOnlyList<GitCheckpoint> ListCheckpoints() => _checkpoints.List();

    /// <inheritdoc cref="GitRestores.RestoreCheckpoint"/>
    public GitRestoreResult RestoreCheckpoint(string name, GitRestoreOptions? options = null) => _restores.RestoreCheckpoint(name, options);

    /// <inheritdoc cref="GitSnapshots.Create"/>
    public GitSnapshot CreateSnapshot(string? reason = null) => _snapshots.Create(reason);

    /// <inheritdoc cref="GitSnapshots.List"/>
    public IReadOnlyList<GitSnapshot> ListSnapshots() => _snapshots.List();

    /// <inheritdoc cref="GitRestores.RestoreSnapshot"/>
    public GitRestoreResult RestoreSnapshot(string id, GitRestoreOptions? options = null) => _restores.RestoreSnapshot(id, options);

    /// <inheritdoc cref="GitStatusReader.Read"/>
    public GitStatus Status(int recentCommits = DefaultRecentCommits) => _status.Read(recentCommits);
}
