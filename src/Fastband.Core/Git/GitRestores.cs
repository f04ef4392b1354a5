using Fastband.Core.Sessions;

namespace Fastband.Core.Git;

/// <summary>How a restore treats untracked files the target does not have.</summary>
public sealed record GitRestoreOptions
{
    /// <summary>Report what would change and change nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Also put back the session state recorded with the checkpoint or snapshot.</summary>
    public bool WithSession { get; init; }

    /// <summary>
    /// Remove untracked files the target does not have (default: leave them). Only files whose content is in the
    /// snapshot just taken are removed, so each stays recoverable.
    /// </summary>
    public bool RemoveUntracked { get; init; }
}

/// <summary>
/// Restores of a checkpoint or a snapshot that never lose uncommitted work: what is at stake is worked out first
/// (changed files, untracked files in the way, ignored files the target would overwrite), all of it is snapshotted,
/// and only then are HEAD, the index and the work tree moved.
/// </summary>
internal sealed class GitRestores(GitRepository repository, GitCheckpoints checkpoints, GitSnapshots snapshots, SessionService sessions)
{
    /// <summary>
    /// Resets to a checkpoint (hard), after snapshotting all uncommitted work and HEAD to
    /// <c>refs/fastband/snapshots/&lt;id&gt;</c>, which <see cref="RestoreSnapshot"/> puts back.
    /// </summary>
    public GitRestoreResult RestoreCheckpoint(string name, GitRestoreOptions? options = null)
    {
        options ??= new GitRestoreOptions();
        name = GitCheckpoints.ValidName(name);
        var repo = repository.Locate();
        string target = checkpoints.Resolve(name) ?? throw checkpoints.NotFound(name);
        var record = checkpoints.Record(name);
        SessionState? session = null;
        if (options.WithSession)
        {
            if (record is null || record.CommitId != target || record.SessionState is null)
                throw new InvalidInputException("NoSessionState",
                    $"Checkpoint '{name}' has no session state recorded (it was made without --session, or the tag was moved outside Fastband): restore it without --with-session.");
            session = record.SessionState;
        }
        return Restore(repo, "checkpoint", name, target, treeCommit: target, indexCommit: null, session, options);
    }

    /// <summary>Puts a snapshot back: HEAD, the index and the work tree as they were (after snapshotting the present first).</summary>
    public GitRestoreResult RestoreSnapshot(string id, GitRestoreOptions? options = null)
    {
        options ??= new GitRestoreOptions();
        if (string.IsNullOrWhiteSpace(id) || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new InvalidInputException("InvalidSnapshotId", $"'{id}' is not a snapshot id: list them with 'fastband git snapshots'.");
        var repo = repository.Locate();
        string snapshot = repository.ResolveCommit(GitSnapshots.SnapshotRefPrefix + id)
            ?? throw new NotFoundException("SnapshotNotFound", $"No snapshot '{id}': list them with 'fastband git snapshots' (Get-FastbandSnapshot).");
        var parents = GitRepository.Split(repository.Runner.Run(new[] { "rev-list", "--parents", "--max-count=1", snapshot }, readOnly: true).Output).Skip(1).ToArray();
        if (parents.Length == 0)
            throw new InvalidInputException("SnapshotWithoutBase", $"Snapshot '{id}' was taken before the repository's first commit; check its files out with 'git checkout {snapshot} -- .'.");
        SessionState? session = null;
        if (options.WithSession)
        {
            session = snapshots.Record(id)?.SessionState
                ?? throw new InvalidInputException("NoSessionState", $"Snapshot '{id}' has no session state recorded: restore it without --with-session.");
        }
        return Restore(repo, "snapshot", id, parents[0], treeCommit: snapshot, indexCommit: parents.Length > 1 ? parents[1] : null, session, options);
    }

    /// <summary>The files of the commits a restore writes, and every folder above them, to find what is in their way.</summary>
    private sealed class TargetPaths
    {
        private readonly HashSet<string> _files = new(StringComparer.Ordinal);
        private readonly HashSet<string> _folders = new(StringComparer.Ordinal);

        public TargetPaths(IEnumerable<IEnumerable<string>> trees)
        {
            foreach (string path in trees.SelectMany(t => t))
            {
                _files.Add(path);
                for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1)) _folders.Add(path[..slash]);
            }
        }

        /// <summary>
        /// True when writing the targets replaces or removes the local file or folder at <paramref name="path"/>: the
        /// targets have a file there, a folder there (a local file is removed to make room), or a file where one of its
        /// folders is (the local folder is removed with everything in it).
        /// </summary>
        public bool InTheWay(string path)
        {
            path = path.TrimEnd('/');
            if (_files.Contains(path) || _folders.Contains(path)) return true;
            for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
                if (_files.Contains(path[..slash])) return true;
            return false;
        }
    }

    /// <summary>
    /// Ignored files (never in a snapshot by themselves) that writing <paramref name="targets"/> would overwrite or
    /// remove: a file the target tracks that is ignored here, or one in a folder where the target has a file.
    /// git reset --hard and read-tree -u overwrite both without a word. Ignored folders the targets do not
    /// reach are not listed file by file (node_modules/, bin/ stay cheap).
    /// </summary>
    private List<string> IgnoredInTheWay(GitLocation repo, TargetPaths targets)
    {
        var listing = new[] { "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--full-name" };
        var top = repository.Runner.Run(listing.Concat(new[] { "--directory", "--" }).Concat(repo.AllPathspec), readOnly: true);
        if (!top.Ok) throw GitRepository.Failed("ls-files --ignored", top);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string entry in GitRepository.Split0(top.Output).Where(e => !repo.IsState(e) && targets.InTheWay(e)))
        {
            if (!entry.EndsWith('/')) { found.Add(entry); continue; }
            var inside = repository.Runner.Run(listing.Concat(new[] { "--", ":(top,literal)" + entry }), readOnly: true);
            if (!inside.Ok) throw GitRepository.Failed("ls-files --ignored", inside);
            found.UnionWith(GitRepository.Split0(inside.Output).Where(f => !repo.IsState(f) && targets.InTheWay(f)));
        }
        return found.ToList();
    }

    private GitRestoreResult Restore(GitLocation repo, string kind, string name, string headTarget, string treeCommit, string? indexCommit,
        SessionState? session, GitRestoreOptions options)
    {
        using var gate = options.DryRun ? null : repository.Lock(repo, $"restore {kind} {name}");
        string? previous = repository.ResolveCommit("HEAD");
        var git = repository.Runner;
        // Files whose content differs between the work tree (and untracked files) and the target.
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        var diffArgs = new List<string> { "diff", "--name-only", "-z", "--no-renames", treeCommit, "--" };
        diffArgs.AddRange(repo.AllPathspec);
        if (previous is not null)
        {
            var diff = git.Run(diffArgs, readOnly: true);
            if (!diff.Ok) throw GitRepository.Failed("diff", diff);
            changed.UnionWith(GitRepository.Split0(diff.Output));
        }
        var untracked = repository.Untracked(repo);
        // A snapshot restore writes HEAD's tree, then the snapshot's: whatever is in the way of either is at stake.
        var targets = new TargetPaths(headTarget == treeCommit
            ? new[] { repository.TreePaths(treeCommit).Keys }
            : new[] { repository.TreePaths(headTarget).Keys, repository.TreePaths(treeCommit).Keys });
        changed.UnionWith(untracked.Where(targets.InTheWay));
        var strays = untracked.Where(p => !targets.InTheWay(p)).ToList();
        var ignored = IgnoredInTheWay(repo, targets);
        string what = kind == "checkpoint" ? $"checkpoint '{name}' ({treeCommit[..7]})" : $"snapshot {name}";
        if (options.DryRun)
        {
            return new GitRestoreResult
            {
                Kind = kind, Target = name, TargetCommit = treeCommit, PreviousHead = previous, DryRun = true, ChangedFiles = changed.ToArray(),
                UntrackedKept = options.RemoveUntracked ? Array.Empty<string>() : strays, UntrackedRemoved = options.RemoveUntracked ? strays : Array.Empty<string>(),
                IgnoredSaved = ignored, SessionRestored = session?.SessionId,
                Message = $"Dry run: restoring {what} would change {changed.Count} file(s)"
                          + (strays.Count == 0 ? "" : options.RemoveUntracked ? $" and remove {strays.Count} untracked file(s)" : $" and leave {strays.Count} untracked file(s) it does not have")
                          + (ignored.Count == 0 ? "" : $" and overwrite or remove {ignored.Count} ignored file(s)")
                          + "; everything uncommitted" + (ignored.Count == 0 ? "" : ", and those ignored files,") + " would first be snapshotted. Nothing was changed.",
            };
        }

        // 1. Snapshot everything, with the session state about to be replaced (or the caller's).
        string? keepSession = session?.SessionId ?? repository.Session;
        var snap = snapshots.TakeLocked(repo, $"before restoring {kind} {name}", snapshots.StateOf(keepSession), ignored);

        // 2. Move HEAD, the index and the work tree.
        var reset = git.RunRetrying(new[] { "reset", "--hard", "-q", headTarget });
        if (!reset.Ok) throw RestoreFailed(what, "reset --hard", reset, snap);
        if (kind == "snapshot")
        {
            var tree = git.RunRetrying(new[] { "read-tree", "-u", "--reset", treeCommit });
            if (!tree.Ok) throw RestoreFailed(what, "read-tree -u", tree, snap);
            if (indexCommit is not null)
            {
                var index = git.RunRetrying(new[] { "read-tree", "--reset", indexCommit });
                if (!index.Ok) throw RestoreFailed(what, "read-tree", index, snap);
            }
        }

        // 3. Untracked files the target does not have: kept, or removed when they are in the snapshot byte for byte.
        var removed = new List<string>();
        if (options.RemoveUntracked && strays.Count > 0)
        {
            var saved = repository.TreePaths(snap.CommitId);
            var now = GitRepository.Hashes(repo, strays);
            foreach (var path in strays)
            {
                if (!saved.TryGetValue(path, out var blob) || !now.TryGetValue(path, out var current) || blob != current) continue;
                string full = Path.Combine(repo.Top, path);
                File.Delete(full);
                removed.Add(path);
                RemoveEmptyParents(repo.Top, Path.GetDirectoryName(full));
            }
        }
        var kept = strays.Except(removed).ToArray();

        // 4. The session state recorded with the target.
        if (session is not null) sessions.Put(session);

        string message = $"Restored {what}; everything uncommitted before, and HEAD {previous?[..7] ?? "(none)"}, is in snapshot {snap.Id} "
                         + $"(get it back with '{snap.RestoreCommand}', or look with 'git show {snap.Ref}')."
                         + (kept.Length > 0 ? $" {kept.Length} untracked file(s) the target does not have were left in place (--remove-untracked removes them)." : "")
                         + (removed.Count > 0 ? $" {removed.Count} untracked file(s) were removed; they are in the snapshot." : "")
                         + (ignored.Count > 0 ? $" {ignored.Count} ignored file(s) were overwritten or removed; their bytes are in the snapshot too ('git show {snap.Ref}:PATH' prints one, restoring the snapshot puts them all back, untracked)." : "")
                         + (session is not null ? $" Session '{session.SessionId}' was restored too." : "");
        return new GitRestoreResult
        {
            Kind = kind, Target = name, TargetCommit = treeCommit, PreviousHead = previous, Snapshot = snap, ChangedFiles = changed.ToArray(),
            UntrackedKept = kept, UntrackedRemoved = removed, IgnoredSaved = ignored, SessionRestored = session?.SessionId, Message = message,
        };
    }

    private static void RemoveEmptyParents(string top, string? dir)
    {
        string root = Path.GetFullPath(top).TrimEnd(Path.DirectorySeparatorChar);
        while (dir is not null && dir.Length > root.Length && dir.StartsWith(root, StringComparison.Ordinal) && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
        {
            Directory.Delete(dir);
            dir = Path.GetDirectoryName(dir);
        }
    }

    private static FastbandException RestoreFailed(string what, string step, GitRun run, GitSnapshot snap) =>
        new(FailureKind.Failed, "GitRestoreFailed",
            $"Restoring {what} stopped at git {step} ({run.Reason}); everything from before is in snapshot {snap.Id}: '{snap.RestoreCommand}' puts it back.");
}
