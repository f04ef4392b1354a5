using System.Globalization;
using System.Text;
using Fastband.Core.Health;
using Fastband.Core.Sessions;
using Fastband.Core.Store;

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
/// The git safety net: attributed commits, named checkpoints, rollback of one's own unpushed commits, and
/// restores that first snapshot everything uncommitted to a private ref. Runs the real git; every writing
/// operation holds the repository's <see cref="GitWriterLock"/> and retries git's own lock files.
/// </summary>
public sealed class GitService : IHealthCheck
{
    public const string TagPrefix = "checkpoint-";
    public const string SnapshotRefPrefix = "refs/fastband/snapshots/";
    public const int MaxNameLength = 100;
    public const int MaxTaskLength = 100;
    public const int MaxDescriptionLength = 500;
    public const int DefaultRecentCommits = 10;

    private readonly string _projectRoot;
    private readonly string _stateDirectory;
    private readonly IFastbandStore _store;
    private readonly CallerIdentity _caller;
    private readonly TimeProvider _clock;
    private readonly SessionService _sessions;
    private readonly GitRunner _git;
    private Repo? _repo;
    private bool? _hasCommitterIdentity;

    internal GitService(string projectRoot, string stateDirectory, IFastbandStore store, CallerIdentity caller, string? session,
        TimeProvider clock, SessionService sessions)
    {
        _projectRoot = projectRoot;
        _stateDirectory = stateDirectory;
        _store = store;
        _caller = caller;
        Session = session;
        _clock = clock;
        _sessions = sessions;
        _git = new GitRunner(projectRoot);
    }

    /// <summary>The caller's session, written as the <c>Session:</c> trailer and recorded with checkpoints.</summary>
    public string? Session { get; }

    /// <summary>How long a writer waits for another Fastband writer in the same repository.</summary>
    public TimeSpan WriterTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The runner, for tests and the bench (how often it retried a lock file).</summary>
    public GitRunner Runner => _git;

    /// <summary>Where the repository is; StatePath is the project's .fastband/ folder relative to Top (null when outside the work tree).</summary>
    private sealed record Repo(string Top, string GitDir, string CommonDir, string? StatePath)
    {
        public string? StateExclude => StatePath is null ? null : ":(top,exclude,glob)" + GlobLiteral(StatePath) + "/**";

        /// <summary>True for the .fastband/ folder and anything in it.</summary>
        public bool IsState(string path) =>
            StatePath is not null && (path.TrimEnd('/') == StatePath || path.StartsWith(StatePath + "/", StringComparison.Ordinal));
    }

    // ================================================================ commit

    /// <summary>Commits the caller's work: the given files, or every change. Nothing to commit is a result, not an error.</summary>
    public GitCommitResult Commit(GitCommitRequest request)
    {
        string task = Line(request.Task, "task", MaxTaskLength, "InvalidTask");
        string description = Line(request.Description, "description", MaxDescriptionLength, "InvalidDescription");
        var files = NormalizeFiles(request.Files);
        var repo = Repository();
        using var gate = Lock(repo, "commit");
        return CommitLocked(repo, task, description, files);
    }

    private GitCommitResult CommitLocked(Repo repo, string task, string description, IReadOnlyList<string>? files)
    {
        string message = $"[{_caller.Agent}] {task}: {description}\n\nAgent: {_caller.Agent}\nTask: {task}" + (Session is null ? "" : $"\nSession: {Session}");
        var spec = files is null ? AllPathspec(repo) : files.Select(f => ":(literal)" + f).ToArray();
        if (files is not null)
        {
            // git add stages the other named files before it refuses an ignored one: refuse before it runs.
            var ignored = IgnoredUntracked(files);
            if (ignored.Count > 0)
                throw new InvalidInputException("IgnoredFile", $"{string.Join(", ", ignored)} {(ignored.Count == 1 ? "is" : "are")} ignored by the repository's ignore rules, so nothing was committed: leave ignored files out, or change .gitignore.");
        }
        var add = _git.RunRetrying(new[] { "add", "-A", "--" }.Concat(spec));
        if (!add.Ok)
        {
            if (add.Error.Contains("did not match any files", StringComparison.Ordinal))
                throw new InvalidInputException("FileNotFound", $"git add refused: {add.Reason}; name files that exist, or that git tracks (to commit a deletion).");
            throw Failed("add", add);
        }
        var staged = _git.Run(files is null ? new[] { "diff", "--cached", "--name-only", "-z" } : new[] { "diff", "--cached", "--name-only", "-z", "--" }.Concat(spec), readOnly: true);
        if (!staged.Ok) throw Failed("diff --cached", staged);
        var changed = Split0(staged.Output);
        if (changed.Count == 0)
        {
            return new GitCommitResult
            {
                Committed = false, Agent = _caller.Agent, Task = task, Session = Session, Message = message,
                Reason = files is null ? "the work tree and the index match HEAD" : $"{string.Join(", ", files)} match HEAD",
            };
        }
        var args = new List<string> { "commit", "-q", "--no-edit", "--cleanup=whitespace", "-m", message };
        if (files is not null) { args.Add("--only"); args.Add("--"); args.AddRange(spec); }
        var commit = _git.RunRetrying(args, Identity(repo));
        if (!commit.Ok) throw Failed("commit", commit);
        string id = ResolveCommit("HEAD") ?? throw Failed("rev-parse HEAD", commit);
        return new GitCommitResult
        {
            Committed = true, CommitId = id, ShortId = id[..7], Agent = _caller.Agent, Task = task, Session = Session, Message = message, Files = changed,
        };
    }

    // ================================================================ checkpoints

    /// <summary>
    /// Commits outstanding work, then tags HEAD <c>checkpoint-&lt;name&gt;</c> (annotated, with the description), and
    /// records the checkpoint in the store with the session state of <paramref name="sessionId"/> (default: the caller's).
    /// An existing name is refused unless <paramref name="force"/>.
    /// </summary>
    public GitCheckpoint CreateCheckpoint(string name, string? description = null, bool force = false, string? sessionId = null)
    {
        name = CheckpointName(name);
        string? desc = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
        if (desc is not null && desc.Length > MaxDescriptionLength)
            throw new InvalidInputException("InvalidDescription", $"The description is {desc.Length} characters, over the limit of {MaxDescriptionLength}.");
        string? session = string.IsNullOrWhiteSpace(sessionId) ? Session : sessionId.Trim();
        var repo = Repository();
        using var gate = Lock(repo, "checkpoint");
        string tag = TagPrefix + name;
        string? existing = ResolveCommit($"refs/tags/{tag}");
        if (existing is not null && !force)
            throw new BlockedException("CheckpointExists",
                $"Checkpoint '{name}' already exists (tag {tag} at {existing[..7]}): choose another name, or pass --force (-Force) to move it to the current work.");
        var work = CommitLocked(repo, "checkpoint", $"work before checkpoint {name}", null);
        string head = ResolveCommit("HEAD")
            ?? throw new InvalidInputException("NothingToCheckpoint", "The repository has no commits and no changes to commit, so there is nothing to checkpoint: add some files first.");
        string tagMessage = (desc ?? $"Checkpoint {name}") + $"\n\nAgent: {_caller.Agent}" + (session is null ? "" : $"\nSession: {session}");
        var args = new List<string> { "tag", "-a" };
        if (force) args.Add("-f");
        args.AddRange(new[] { "-m", tagMessage, tag, head });
        var tagRun = _git.RunRetrying(args, Identity(repo));
        if (!tagRun.Ok) throw Failed("tag", tagRun);
        var state = session is null ? null : _sessions.Find(session);
        var now = _clock.GetUtcNow();
        _store.Sessions.SaveCheckpoint(new CheckpointRecord(name, head, desc, _caller.Agent, session, state, now));
        return new GitCheckpoint
        {
            Name = name, Tag = tag, CommitId = head, Description = desc, Agent = _caller.Agent, CreatedAt = now, SessionId = session,
            HasSessionState = state is not null, WorkCommitId = work.CommitId, Replaced = existing is not null,
        };
    }

    /// <summary>Every checkpoint tag, newest first, with what the store recorded about it.</summary>
    public IReadOnlyList<GitCheckpoint> ListCheckpoints()
    {
        Repository();
        var run = _git.Run(new[]
        {
            "for-each-ref", "--sort=-creatordate",
            "--format=%(refname:strip=2)%00%(*objectname)%00%(objectname)%00%(creatordate:iso-strict)%00%(contents:subject)%1e",
            "refs/tags/" + TagPrefix + "*",
        }, readOnly: true);
        if (!run.Ok) throw Failed("for-each-ref", run);
        var records = _store.Sessions.ListCheckpoints().ToDictionary(c => c.Record.Name, StringComparer.Ordinal);
        var list = new List<GitCheckpoint>();
        foreach (var rec in Records(run.Output))
        {
            var f = rec.Split('\0');
            if (f.Length < 5) continue;
            string name = f[0][TagPrefix.Length..];
            string commit = f[1].Length > 0 ? f[1] : f[2];
            records.TryGetValue(name, out var stored);
            bool same = stored.Record is not null && stored.Record.CommitId == commit;
            list.Add(new GitCheckpoint
            {
                Name = name, Tag = f[0], CommitId = commit, Description = same ? stored.Record!.Description : f[4],
                Agent = same ? stored.Record!.Agent : null, CreatedAt = ParseDate(f[3]),
                SessionId = same ? stored.Record!.SessionId : null, HasSessionState = same && stored.HasState,
            });
        }
        return list;
    }

    // ================================================================ rollback

    /// <summary>
    /// Rolls back the last <paramref name="count"/> commits with a soft reset (their changes stay staged).
    /// Refused, unless <paramref name="force"/>, when any of them is another agent's (or has no Agent trailer),
    /// is reachable from a remote-tracking branch, or is a merge.
    /// </summary>
    public GitRollbackResult Rollback(int count = 1, bool force = false, bool dryRun = false)
    {
        if (count < 1) throw new InvalidInputException("InvalidCount", "Roll back at least 1 commit.");
        var repo = Repository();
        using var gate = dryRun ? null : Lock(repo, "rollback");
        string head = ResolveCommit("HEAD") ?? throw new InvalidInputException("NoCommits", "The repository has no commits to roll back.");
        // The last N commits are the first-parent chain: a merge's side branch is not "after" its base.
        var commits = Log(count, head, firstParent: true);
        if (commits.Count < count || commits[^1].Parents.Count == 0)
            throw new InvalidInputException("TooManyCommits",
                $"Only {commits.Count(c => c.Parents.Count > 0)} commit(s) on this branch can be rolled back (the first commit of a repository cannot): roll back fewer.");
        string target = commits[^1].Parents[0];
        var unpushed = Split(_git.Run(new[] { "rev-list", "--first-parent", $"--max-count={count}", head, "--not", "--remotes" }, readOnly: true).Output).ToHashSet();
        var reasons = new List<string>();
        foreach (var c in commits)
        {
            if (c.IsMerge) reasons.Add($"{c.ShortId} is a merge");
            if (c.Agent is null) reasons.Add($"{c.ShortId} has no Agent trailer (not made through Fastband)");
            else if (!string.Equals(c.Agent, _caller.Agent, StringComparison.OrdinalIgnoreCase)) reasons.Add($"{c.ShortId} is {c.Agent}'s");
            if (!unpushed.Contains(c.CommitId)) reasons.Add($"{c.ShortId} is already pushed (on a remote-tracking branch)");
        }
        if (reasons.Count > 0 && !force)
            throw new BlockedException("RollbackRefused",
                $"Rolling back {count} commit(s) as {_caller.Agent} is refused because {string.Join("; ", reasons)}: roll back fewer, or pass --force (-Force) if you are sure.");
        string summary = $"{count} commit(s) {(dryRun ? "would be" : "were")} rolled back ({head[..7]} -> {target[..7]}); their changes {(dryRun ? "would stay" : "stay")} staged in the index and the work tree.";
        if (!dryRun)
        {
            // Compare-and-swap on HEAD: the same as reset --soft, but it fails if HEAD moved since it was read.
            var move = _git.RunRetrying(new[] { "update-ref", "-m", $"fastband rollback {count} by {_caller.Agent}", "HEAD", target, head });
            if (!move.Ok) throw Failed("update-ref HEAD", move);
        }
        return new GitRollbackResult
        {
            RolledBack = !dryRun, DryRun = dryRun, Forced = force && reasons.Count > 0, Count = count, FromCommit = head, ToCommit = target,
            Commits = commits, Overridden = force ? reasons : Array.Empty<string>(), Message = (dryRun ? "Dry run: " : "") + summary,
        };
    }

    // ================================================================ status

    /// <summary>Branch, uncommitted changes, recent commits with their agents, checkpoints and snapshots. Takes no lock.</summary>
    public GitStatus Status(int recentCommits = DefaultRecentCommits)
    {
        if (recentCommits < 0) throw new InvalidInputException("InvalidCount", "The number of recent commits cannot be negative.");
        var repo = Repository();
        var args = new List<string> { "-c", "status.relativePaths=false", "status", "--porcelain=v2", "-z", "--branch", "--untracked-files=all", "--" };
        args.AddRange(AllPathspec(repo));
        var run = _git.Run(args, readOnly: true);
        if (!run.Ok) throw Failed("status", run);
        string? branch = null, head = null, upstream = null;
        int? ahead = null, behind = null;
        var changes = new List<GitChange>();
        var tokens = run.Output.Split('\0');
        for (int i = 0; i < tokens.Length; i++)
        {
            string t = tokens[i];
            if (t.Length == 0) continue;
            if (t.StartsWith("# branch.oid ", StringComparison.Ordinal)) { string v = t[13..]; head = v == "(initial)" ? null : v; }
            else if (t.StartsWith("# branch.head ", StringComparison.Ordinal)) { string v = t[14..]; branch = v == "(detached)" ? null : v; }
            else if (t.StartsWith("# branch.upstream ", StringComparison.Ordinal)) upstream = t[18..];
            else if (t.StartsWith("# branch.ab ", StringComparison.Ordinal))
            {
                var ab = t[12..].Split(' ');
                ahead = int.Parse(ab[0].TrimStart('+'), CultureInfo.InvariantCulture);
                behind = int.Parse(ab[1].TrimStart('-'), CultureInfo.InvariantCulture);
            }
            else if (t.StartsWith("? ", StringComparison.Ordinal)) changes.Add(new GitChange { Path = t[2..], Kind = "untracked", Unstaged = true });
            else if (t[0] is '1' or '2' or 'u')
            {
                var f = t.Split(' ', t[0] switch { '1' => 9, '2' => 10, _ => 11 });
                char x = f[1][0], y = f[1][1];
                string? original = t[0] == '2' ? tokens[++i] : null;
                string kind = t[0] switch
                {
                    'u' => "conflicted",
                    '2' => f[8].StartsWith('C') ? "copied" : "renamed",
                    _ => x == 'A' || y == 'A' ? "added" : x == 'D' || y == 'D' ? "deleted" : x == 'T' || y == 'T' ? "type_changed" : "modified",
                };
                changes.Add(new GitChange { Path = f[^1], OriginalPath = original, Kind = kind, Staged = x != '.', Unstaged = y != '.' });
            }
        }
        return new GitStatus
        {
            Repository = repo.Top, Branch = branch, HeadCommit = head, Upstream = upstream, Ahead = ahead, Behind = behind, Changes = changes,
            RecentCommits = head is null || recentCommits == 0 ? Array.Empty<GitCommitInfo>() : Log(recentCommits, head),
            Checkpoints = ListCheckpoints(), Snapshots = ListSnapshots(),
        };
    }

    private List<GitCommitInfo> Log(int count, string from, bool firstParent = false)
    {
        var args = new List<string> { "log", $"--max-count={count}" };
        if (firstParent) args.Add("--first-parent");
        args.AddRange(new[]
        {
            "--format=%H%x00%P%x00%an%x00%aI%x00%(trailers:key=Agent,valueonly,separator=%x2C)%x00%(trailers:key=Task,valueonly,separator=%x2C)%x00%(trailers:key=Session,valueonly,separator=%x2C)%x00%s%x1e",
            from, "--",
        });
        var run = _git.Run(args, readOnly: true);
        if (!run.Ok) throw Failed("log", run);
        var list = new List<GitCommitInfo>();
        foreach (var rec in Records(run.Output))
        {
            var f = rec.Split('\0');
            if (f.Length < 8) continue;
            list.Add(new GitCommitInfo
            {
                CommitId = f[0], ShortId = f[0][..7], Parents = Split(f[1]), Author = f[2], AuthoredAt = ParseDate(f[3]) ?? default,
                Agent = Blank(f[4]), Task = Blank(f[5]), Session = Blank(f[6]), Subject = f[7],
            });
        }
        return list;
    }

    // ================================================================ snapshots and restores

    /// <summary>Every snapshot, newest first.</summary>
    public IReadOnlyList<GitSnapshot> ListSnapshots()
    {
        Repository();
        var run = _git.Run(new[]
        {
            "for-each-ref", "--sort=-creatordate", "--format=%(refname)%00%(objectname)%00%(parent)%00%(creatordate:iso-strict)%00%(contents:subject)%1e",
            SnapshotRefPrefix,
        }, readOnly: true);
        if (!run.Ok) throw Failed("for-each-ref", run);
        var records = _store.Sessions.ListSnapshots().ToDictionary(s => s.Record.SnapshotId, StringComparer.Ordinal);
        var list = new List<GitSnapshot>();
        foreach (var rec in Records(run.Output))
        {
            var f = rec.Split('\0');
            if (f.Length < 5) continue;
            string id = f[0][SnapshotRefPrefix.Length..];
            records.TryGetValue(id, out var stored);
            list.Add(new GitSnapshot
            {
                Id = id, Ref = f[0], CommitId = f[1], BaseCommit = Split(f[2]).FirstOrDefault(), CreatedAt = ParseDate(f[3]),
                Reason = stored.Record?.Reason ?? f[4], Agent = stored.Record?.Agent, SessionId = stored.Record?.SessionId, HasSessionState = stored.HasState,
            });
        }
        return list;
    }

    /// <summary>
    /// Snapshots everything uncommitted (tracked and untracked, not ignored) and HEAD without touching the work
    /// tree or the index, e.g. before an experiment; restores take one by themselves.
    /// </summary>
    public GitSnapshot CreateSnapshot(string? reason = null)
    {
        string why = string.IsNullOrWhiteSpace(reason) ? "snapshot by " + _caller.Agent : Line(reason, "reason", MaxDescriptionLength, "InvalidReason");
        var repo = Repository();
        using var gate = Lock(repo, "snapshot");
        return SnapshotLocked(repo, why, Session is null ? null : _sessions.Find(Session));
    }

    /// <summary>
    /// Resets to a checkpoint (hard), after snapshotting all uncommitted work and HEAD to
    /// <c>refs/fastband/snapshots/&lt;id&gt;</c>, which <see cref="RestoreSnapshot"/> puts back.
    /// </summary>
    public GitRestoreResult RestoreCheckpoint(string name, GitRestoreOptions? options = null)
    {
        options ??= new GitRestoreOptions();
        name = CheckpointName(name);
        var repo = Repository();
        string target = ResolveCommit($"refs/tags/{TagPrefix}{name}") ?? throw CheckpointNotFound(name);
        var record = _store.Sessions.GetCheckpoint(name);
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
        var repo = Repository();
        string snapshot = ResolveCommit(SnapshotRefPrefix + id)
            ?? throw new NotFoundException("SnapshotNotFound", $"No snapshot '{id}': list them with 'fastband git snapshots' (Get-FastbandSnapshot).");
        var parents = Split(_git.Run(new[] { "rev-list", "--parents", "--max-count=1", snapshot }, readOnly: true).Output).Skip(1).ToArray();
        if (parents.Length == 0)
            throw new InvalidInputException("SnapshotWithoutBase", $"Snapshot '{id}' was taken before the repository's first commit; check its files out with 'git checkout {snapshot} -- .'.");
        SessionState? session = null;
        if (options.WithSession)
        {
            session = _store.Sessions.GetSnapshot(id)?.SessionState
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
    private List<string> IgnoredInTheWay(Repo repo, TargetPaths targets)
    {
        var listing = new[] { "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--full-name" };
        var top = _git.Run(listing.Concat(new[] { "--directory", "--" }).Concat(AllPathspec(repo)), readOnly: true);
        if (!top.Ok) throw Failed("ls-files --ignored", top);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string entry in Split0(top.Output).Where(e => !repo.IsState(e) && targets.InTheWay(e)))
        {
            if (!entry.EndsWith('/')) { found.Add(entry); continue; }
            var inside = _git.Run(listing.Concat(new[] { "--", ":(top,literal)" + entry }), readOnly: true);
            if (!inside.Ok) throw Failed("ls-files --ignored", inside);
            found.UnionWith(Split0(inside.Output).Where(f => !repo.IsState(f) && targets.InTheWay(f)));
        }
        return found.ToList();
    }

    private GitRestoreResult Restore(Repo repo, string kind, string name, string headTarget, string treeCommit, string? indexCommit,
        SessionState? session, GitRestoreOptions options)
    {
        using var gate = options.DryRun ? null : Lock(repo, $"restore {kind} {name}");
        string? previous = ResolveCommit("HEAD");
        // Files whose content differs between the work tree (and untracked files) and the target.
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        var diffArgs = new List<string> { "diff", "--name-only", "-z", "--no-renames", treeCommit, "--" };
        diffArgs.AddRange(AllPathspec(repo));
        if (previous is not null)
        {
            var diff = _git.Run(diffArgs, readOnly: true);
            if (!diff.Ok) throw Failed("diff", diff);
            changed.UnionWith(Split0(diff.Output));
        }
        var untracked = Untracked(repo);
        // A snapshot restore writes HEAD's tree, then the snapshot's: whatever is in the way of either is at stake.
        var targets = new TargetPaths(headTarget == treeCommit
            ? new[] { TreePaths(treeCommit).Keys }
            : new[] { TreePaths(headTarget).Keys, TreePaths(treeCommit).Keys });
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
        string? keepSession = session?.SessionId ?? Session;
        var snap = SnapshotLocked(repo, $"before restoring {kind} {name}", keepSession is null ? null : _sessions.Find(keepSession), ignored);

        // 2. Move HEAD, the index and the work tree.
        var reset = _git.RunRetrying(new[] { "reset", "--hard", "-q", headTarget });
        if (!reset.Ok) throw RestoreFailed(what, "reset --hard", reset, snap);
        if (kind == "snapshot")
        {
            var tree = _git.RunRetrying(new[] { "read-tree", "-u", "--reset", treeCommit });
            if (!tree.Ok) throw RestoreFailed(what, "read-tree -u", tree, snap);
            if (indexCommit is not null)
            {
                var index = _git.RunRetrying(new[] { "read-tree", "--reset", indexCommit });
                if (!index.Ok) throw RestoreFailed(what, "read-tree", index, snap);
            }
        }

        // 3. Untracked files the target does not have: kept, or removed when they are in the snapshot byte for byte.
        var removed = new List<string>();
        if (options.RemoveUntracked && strays.Count > 0)
        {
            var saved = TreePaths(snap.CommitId);
            var now = Hashes(repo, strays);
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
        if (session is not null) _sessions.Put(session);

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

    /// <summary>
    /// Records the work tree (tracked and untracked files, not ignored, not .fastband/), the index and HEAD as a commit
    /// under <c>refs/fastband/snapshots/&lt;id&gt;</c>, through a temporary index file given to the child processes
    /// only: the real index and the work tree are not touched. <paramref name="ignored"/> names ignored files to
    /// record too (force-added to that temporary index): those a restore is about to overwrite or remove.
    /// </summary>
    private GitSnapshot SnapshotLocked(Repo repo, string reason, SessionState? session, IReadOnlyList<string>? ignored = null)
    {
        var now = _clock.GetUtcNow();
        string id = now.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(Guid.NewGuid().ToByteArray()[..3]).ToLowerInvariant();
        string tempIndex = Path.Combine(repo.GitDir, $"fastband-snapshot-{id}.index");
        string? head = ResolveCommit("HEAD");
        try
        {
            string realIndex = Path.Combine(repo.GitDir, "index");
            if (File.Exists(realIndex)) File.Copy(realIndex, tempIndex); // a head start on stat data; the real one is only read
            var env = new Dictionary<string, string>(Identity(repo)) { ["GIT_INDEX_FILE"] = tempIndex };
            // The index as it was (if it has no conflicts), then the whole work tree.
            var indexTree = _git.Run(new[] { "write-tree" }, env);
            var add = _git.Run(new[] { "add", "-A", "--" }.Concat(AllPathspec(repo)), env);
            if (!add.Ok) throw Failed("add (snapshot)", add);
            if (ignored is { Count: > 0 })
            {
                var force = _git.Run(new[] { "add", "-f", "--pathspec-from-file=-", "--pathspec-file-nul" }, env,
                    input: string.Concat(ignored.Select(p => ":(top,literal)" + p + "\0")));
                if (!force.Ok) throw Failed("add -f (ignored files, snapshot)", force);
            }
            var workTree = _git.Run(new[] { "write-tree" }, env);
            if (!workTree.Ok) throw Failed("write-tree (snapshot)", workTree);
            var parents = new List<string>();
            if (head is not null) { parents.Add("-p"); parents.Add(head); }
            string? indexCommit = null;
            if (indexTree.Ok && head is not null)
            {
                var ic = _git.Run(new[] { "commit-tree", indexTree.Output.Trim(), "-p", head, "-m", $"index at fastband snapshot {id}" }, env);
                if (ic.Ok) indexCommit = ic.Output.Trim();
            }
            if (indexCommit is not null) { parents.Add("-p"); parents.Add(indexCommit); }
            string message = $"fastband snapshot {id}: {reason}\n\n"
                             + (ignored is { Count: > 0 } ? $"Ignored files kept here (a restore puts them back untracked):\n{string.Join('\n', ignored.Take(50).Select(p => "  " + p))}\n" + (ignored.Count > 50 ? $"  ... and {ignored.Count - 50} more\n" : "") + "\n" : "")
                             + $"Agent: {_caller.Agent}" + (Session is null ? "" : $"\nSession: {Session}");
            var commit = _git.Run(new[] { "commit-tree", workTree.Output.Trim() }.Concat(parents).Concat(new[] { "-m", message }), env);
            if (!commit.Ok) throw Failed("commit-tree (snapshot)", commit);
            string snapshot = commit.Output.Trim();
            string refName = SnapshotRefPrefix + id;
            // The empty old value: create only, never overwrite another snapshot.
            var update = _git.RunRetrying(new[] { "update-ref", "-m", $"fastband snapshot: {reason}", refName, snapshot, "" });
            if (!update.Ok) throw Failed("update-ref (snapshot)", update);
            _store.Sessions.SaveSnapshot(new SnapshotRecord(id, snapshot, reason, _caller.Agent, session?.SessionId, session, now));
            return new GitSnapshot
            {
                Id = id, Ref = refName, CommitId = snapshot, BaseCommit = head, CreatedAt = now, Agent = _caller.Agent, Reason = reason,
                SessionId = session?.SessionId, HasSessionState = session is not null,
            };
        }
        finally
        {
            TryDelete(tempIndex);
            TryDelete(tempIndex + ".lock");
        }
    }

    // ================================================================ health

    /// <summary>How old a git lock file must be before health calls it stale.</summary>
    public static readonly TimeSpan StaleLockAge = TimeSpan.FromMinutes(10);

    public string Name => "git";

    /// <summary>A lock file git left behind (it blocks every commit until deleted), and how many snapshots are kept.</summary>
    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        Repo repo;
        try
        {
            repo = Repository();
        }
        catch (FastbandException)
        {
            return new[] { new HealthFinding(Name, _projectRoot, HealthState.Healthy, "Not a git repository: the git safety net is not in use here.") };
        }
        var findings = new List<HealthFinding>();
        foreach (string lockFile in new[] { Path.Combine(repo.GitDir, "index.lock"), Path.Combine(repo.CommonDir, "HEAD.lock") })
        {
            if (!File.Exists(lockFile)) continue;
            var age = now - new DateTimeOffset(File.GetLastWriteTimeUtc(lockFile), TimeSpan.Zero);
            if (age < StaleLockAge) continue;
            findings.Add(new HealthFinding(Name, lockFile, HealthState.Warning,
                $"{lockFile} is {TimeSpec.Humanize(age)} old: a git process that crashed left it, and every commit fails until it is gone; delete it if no git command is running.")
            {
                Details = new Dictionary<string, object?> { ["ageSeconds"] = (long)age.TotalSeconds },
            });
        }
        int snapshots = ListSnapshots().Count;
        findings.Add(new HealthFinding(Name, repo.Top, HealthState.Healthy, $"{snapshots} snapshot(s) kept under {SnapshotRefPrefix}.")
        {
            Details = new Dictionary<string, object?> { ["snapshots"] = snapshots },
        });
        return findings;
    }

    // ================================================================ plumbing

    private Repo Repository()
    {
        if (_repo is not null) return _repo;
        if (!Directory.Exists(_projectRoot))
            throw new NotFoundException("NotAGitRepository", $"The folder '{_projectRoot}' does not exist, so it is not a git repository: pass --project (-Project) for your repository's folder.");
        var run = _git.Run(new[] { "rev-parse", "--path-format=absolute", "--show-toplevel", "--absolute-git-dir", "--git-common-dir" }, readOnly: true);
        if (!run.Ok)
        {
            if (run.Error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
                throw new NotFoundException("NotAGitRepository",
                    $"'{_projectRoot}' is not in a git repository: run 'git init' there, or pass --project (-Project) for a folder inside one.");
            if (run.Error.Contains("must be run in a work tree", StringComparison.Ordinal))
                throw new InvalidInputException("NotAWorkTree", $"'{_projectRoot}' is inside a bare repository or a .git folder: pass --project (-Project) for a work tree.");
            throw Failed("rev-parse", run);
        }
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string top = lines[0];
        string rel = Path.GetRelativePath(top, _stateDirectory).Replace('\\', '/');
        string? state = rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) || rel == "." ? null : rel.TrimEnd('/');
        return _repo = new Repo(top, lines[1], lines[2], state);
    }

    private GitWriterLock Lock(Repo repo, string activity) => GitWriterLock.Acquire(repo.CommonDir, _caller, activity, WriterTimeout, _clock);

    /// <summary>
    /// Every path in the repository but the project's .fastband/ folder (the store must never be committed or reset).
    /// The exclude is a glob whose first character is escaped: git (2.39 and later, dir.c exclude_matches_pathspec)
    /// treats an exclude pathspec as naming its path, so when .gitignore lists .fastband/, a literal
    /// ':(exclude).fastband' makes 'git add' report ".fastband is ignored" and exit 1 although it staged the rest.
    /// A pattern with no wildcard-free prefix names no path, excludes the same files, and works whether or not the
    /// folder is ignored, or holds files tracked from before.
    /// </summary>
    private static string[] AllPathspec(Repo repo) => repo.StateExclude is null ? new[] { ":/" } : new[] { ":/", repo.StateExclude };

    /// <summary>A path as a glob that matches only itself, with no wildcard-free prefix (every character escaped).</summary>
    private static string GlobLiteral(string path) => string.Concat(path.Select(c => c == '/' ? "/" : "\\" + c));

    /// <summary>Of the named files (relative to the project folder), those git ignores and does not track.</summary>
    private List<string> IgnoredUntracked(IReadOnlyList<string> files)
    {
        // check-ignore without --no-index reports only untracked paths: a tracked file that matches a rule commits fine.
        var run = _git.Run(new[] { "check-ignore", "-z", "--stdin" }, input: string.Join('\0', files) + "\0", readOnly: true);
        if (run.ExitCode > 1) throw Failed("check-ignore", run); // 1: none is ignored
        return Split0(run.Output);
    }

    /// <summary>The author is the agent (and the committer too when the repository has no identity configured).</summary>
    private Dictionary<string, string> Identity(Repo repo)
    {
        string email = $"{_caller.Agent}@agents.fastband.invalid";
        var env = new Dictionary<string, string> { ["GIT_AUTHOR_NAME"] = _caller.Agent, ["GIT_AUTHOR_EMAIL"] = email };
        _hasCommitterIdentity ??= Split(_git.Run(new[] { "config", "--name-only", "--get-regexp", @"^user\.(name|email)$" }, readOnly: true).Output).Distinct().Count() == 2;
        if (_hasCommitterIdentity == false)
        {
            env["GIT_COMMITTER_NAME"] = _caller.Agent;
            env["GIT_COMMITTER_EMAIL"] = email;
        }
        return env;
    }

    private string? ResolveCommit(string rev)
    {
        var run = _git.Run(new[] { "rev-parse", "-q", "--verify", rev + "^{commit}" }, readOnly: true);
        return run.Ok ? run.Output.Trim() : null;
    }

    private List<string> Untracked(Repo repo)
    {
        var run = _git.Run(new[] { "ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--" }.Concat(AllPathspec(repo)), readOnly: true);
        if (!run.Ok) throw Failed("ls-files", run);
        return Split0(run.Output);
    }

    /// <summary>Path (from the top) to blob id, for every file in a commit's tree.</summary>
    private Dictionary<string, string> TreePaths(string commit)
    {
        var run = _git.Run(new[] { "ls-tree", "-r", "-z", "--full-tree", commit }, readOnly: true);
        if (!run.Ok) throw Failed("ls-tree", run);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Split0(run.Output))
        {
            int tab = entry.IndexOf('\t');
            var meta = entry[..tab].Split(' ');
            if (meta.Length >= 3) map[entry[(tab + 1)..]] = meta[2];
        }
        return map;
    }

    /// <summary>The blob id each file would have, read from the work tree (without writing objects).</summary>
    private Dictionary<string, string> Hashes(Repo repo, IReadOnlyList<string> paths)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in paths.Chunk(200))
        {
            var run = new GitRunner(repo.Top).Run(new[] { "hash-object", "--" }.Concat(chunk), readOnly: true);
            if (!run.Ok) throw Failed("hash-object", run);
            var ids = Split(run.Output);
            for (int i = 0; i < chunk.Length && i < ids.Count; i++) map[chunk[i]] = ids[i];
        }
        return map;
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

    private NotFoundException CheckpointNotFound(string name)
    {
        var known = ListCheckpoints().Select(c => c.Name).Take(10).ToArray();
        return new NotFoundException("CheckpointNotFound", $"No checkpoint '{name}' (tag {TagPrefix}{name}): " +
            (known.Length == 0 ? "make one with 'fastband git checkpoint NAME'." : $"the checkpoints are {string.Join(", ", known)}."));
    }

    private static FastbandException RestoreFailed(string what, string step, GitRun run, GitSnapshot snap) =>
        new(FailureKind.Failed, "GitRestoreFailed",
            $"Restoring {what} stopped at git {step} ({run.Reason}); everything from before is in snapshot {snap.Id}: '{snap.RestoreCommand}' puts it back.");

    private static FastbandException Failed(string what, GitRun run) => run.Failure(what);

    private static string CheckpointName(string name)
    {
        string n = (name ?? "").Trim();
        if (n.Length == 0 || n.Length > MaxNameLength || n.StartsWith('.') || n.StartsWith('-') || n.EndsWith(".lock", StringComparison.Ordinal)
            || n.Contains("..", StringComparison.Ordinal) || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new InvalidInputException("InvalidCheckpointName",
                $"'{name}' is not a valid checkpoint name: use 1 to {MaxNameLength} letters, digits, '-', '_' or '.', not starting with '.' or '-'.");
        return n;
    }

    private static string Line(string? value, string what, int max, string errorId)
    {
        string v = (value ?? "").Trim();
        if (v.Length == 0 || v.Length > max || v.Contains('\n') || v.Contains('\r'))
            throw new InvalidInputException(errorId, $"The {what} must be one line of 1 to {max} characters (--{what}).");
        return v;
    }

    private IReadOnlyList<string>? NormalizeFiles(IReadOnlyList<string>? files)
    {
        if (files is null || files.Count == 0) return null;
        var list = new List<string>();
        foreach (string f in files.Select(f => f?.Trim() ?? "").Where(f => f.Length > 0))
        {
            string full = Path.GetFullPath(Path.Combine(_projectRoot, f));
            string rel = Path.GetRelativePath(_projectRoot, full).Replace('\\', '/');
            if (rel.StartsWith("..", StringComparison.Ordinal) && Path.GetRelativePath(Repository().Top, full).StartsWith("..", StringComparison.Ordinal))
                throw new InvalidInputException("FileOutsideRepository", $"'{f}' is outside the repository: name files inside it.");
            list.Add(rel);
        }
        return list.Count == 0 ? null : list;
    }

    private static IEnumerable<string> Records(string output) =>
        output.Split('\x1e').Select(r => r.Trim('\n', '\r')).Where(r => r.Length > 0);

    private static List<string> Split0(string output) => output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static List<string> Split(string output) =>
        output.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string? Blank(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static DateTimeOffset? ParseDate(string s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d.ToUniversalTime() : null;

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
