using System.Globalization;
using Fastband.Core.Sessions;
using Fastband.Core.Store;

namespace Fastband.Core.Git;

/// <summary>
/// Snapshots: everything uncommitted (tracked and untracked files, the index) and HEAD recorded as a commit under
/// <c>refs/fastband/snapshots/&lt;id&gt;</c> without touching the work tree or the index. A restore takes one
/// before it changes anything, so that no uncommitted work is ever lost; <see cref="GitRestores"/> puts one back.
/// </summary>
internal sealed class GitSnapshots(GitRepository repository, ISessionStore sessionStore, SessionService sessions)
{
    public const string SnapshotRefPrefix = "refs/fastband/snapshots/";

    /// <summary>Every snapshot, newest first.</summary>
    public IReadOnlyList<GitSnapshot> List()
    {
        repository.Locate();
        var refs = repository.NewestRefs(SnapshotRefPrefix, "%(refname)", "%(objectname)", "%(parent)", "%(creatordate:iso-strict)", "%(contents:subject)");
        var records = sessionStore.ListSnapshots().ToDictionary(s => s.Record.SnapshotId, StringComparer.Ordinal);
        var list = new List<GitSnapshot>();
        foreach (var f in refs)
        {
            string id = f[0][SnapshotRefPrefix.Length..];
            records.TryGetValue(id, out var stored);
            list.Add(new GitSnapshot
            {
                Id = id, Ref = f[0], CommitId = f[1], BaseCommit = GitRepository.Split(f[2]).FirstOrDefault(), CreatedAt = GitRepository.ParseDate(f[3]),
                Reason = stored.Record?.Reason ?? f[4], Agent = stored.Record?.Agent, SessionId = stored.Record?.SessionId, HasSessionState = stored.HasState,
            });
        }
        return list;
    }

    /// <summary>
    /// Snapshots everything uncommitted (tracked and untracked, not ignored) and HEAD without touching the work
    /// tree or the index, e.g. before an experiment; restores take one by themselves.
    /// </summary>
    public GitSnapshot Create(string? reason = null)
    {
        string why = string.IsNullOrWhiteSpace(reason) ? "snapshot by " + repository.Caller.Agent : GitRepository.Line(reason, "reason", GitCommits.MaxDescriptionLength, "InvalidReason");
        var repo = repository.Locate();
        using var gate = repository.Lock(repo, "snapshot");
        return TakeLocked(repo, why, StateOf(repository.Session));
    }

    /// <summary>The stored state of a session, to record with a snapshot (null for no session, or one never saved).</summary>
    internal SessionState? StateOf(string? sessionId) => sessionId is null ? null : sessions.Find(sessionId);

    /// <summary>What the store recorded with a snapshot, or null.</summary>
    internal SnapshotRecord? Record(string id) => sessionStore.GetSnapshot(id);

    /// <summary>
    /// Records the work tree (tracked and untracked files, not ignored, not .fastband/), the index and HEAD as a commit
    /// under <c>refs/fastband/snapshots/&lt;id&gt;</c>, through a temporary index file given to the child processes
    /// only: the real index and the work tree are not touched. <paramref name="ignored"/> names ignored files to
    /// record too (force-added to that temporary index): those a restore is about to overwrite or remove.
    /// </summary>
    internal GitSnapshot TakeLocked(GitLocation repo, string reason, SessionState? session, IReadOnlyList<string>? ignored = null)
    {
        var now = repository.Clock.GetUtcNow();
        string id = now.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(Guid.NewGuid().ToByteArray()[..3]).ToLowerInvariant();
        string tempIndex = Path.Combine(repo.GitDir, $"fastband-snapshot-{id}.index");
        string? head = repository.ResolveCommit("HEAD");
        var git = repository.Runner;
        try
        {
            string realIndex = Path.Combine(repo.GitDir, "index");
            if (File.Exists(realIndex)) File.Copy(realIndex, tempIndex); // a head start on stat data; the real one is only read
            var env = new Dictionary<string, string>(repository.Identity()) { ["GIT_INDEX_FILE"] = tempIndex };
            // The index as it was (if it has no conflicts), then the whole work tree.
            var indexTree = git.Run(new[] { "write-tree" }, env);
            var add = git.Run(new[] { "add", "-A", "--" }.Concat(repo.AllPathspec), env);
            if (!add.Ok) throw GitRepository.Failed("add (snapshot)", add);
            if (ignored is { Count: > 0 })
            {
                var force = git.Run(new[] { "add", "-f", "--pathspec-from-file=-", "--pathspec-file-nul" }, env,
                    input: string.Concat(ignored.Select(p => ":(top,literal)" + p + "\0")));
                if (!force.Ok) throw GitRepository.Failed("add -f (ignored files, snapshot)", force);
            }
            var workTree = git.Run(new[] { "write-tree" }, env);
            if (!workTree.Ok) throw GitRepository.Failed("write-tree (snapshot)", workTree);
            var parents = new List<string>();
            if (head is not null) { parents.Add("-p"); parents.Add(head); }
            string? indexCommit = null;
            if (indexTree.Ok && head is not null)
            {
                var ic = git.Run(new[] { "commit-tree", indexTree.Output.Trim(), "-p", head, "-m", $"index at fastband snapshot {id}" }, env);
                if (ic.Ok) indexCommit = ic.Output.Trim();
            }
            if (indexCommit is not null) { parents.Add("-p"); parents.Add(indexCommit); }
            string message = $"fastband snapshot {id}: {reason}\n\n"
                             + (ignored is { Count: > 0 } ? $"Ignored files kept here (a restore puts them back untracked):\n{string.Join('\n', ignored.Take(50).Select(p => "  " + p))}\n" + (ignored.Count > 50 ? $"  ... and {ignored.Count - 50} more\n" : "") + "\n" : "")
                             + $"Agent: {repository.Caller.Agent}" + (repository.Session is null ? "" : $"\nSession: {repository.Session}");
            var commit = git.Run(new[] { "commit-tree", workTree.Output.Trim() }.Concat(parents).Concat(new[] { "-m", message }), env);
            if (!commit.Ok) throw GitRepository.Failed("commit-tree (snapshot)", commit);
            string snapshot = commit.Output.Trim();
            string refName = SnapshotRefPrefix + id;
            // The empty old value: create only, never overwrite another snapshot.
            var update = git.RunRetrying(new[] { "update-ref", "-m", $"fastband snapshot: {reason}", refName, snapshot, "" });
            if (!update.Ok) throw GitRepository.Failed("update-ref (snapshot)", update);
            sessionStore.SaveSnapshot(new SnapshotRecord(id, snapshot, reason, repository.Caller.Agent, session?.SessionId, session, now));
            return new GitSnapshot
            {
                Id = id, Ref = refName, CommitId = snapshot, BaseCommit = head, CreatedAt = now, Agent = repository.Caller.Agent, Reason = reason,
                SessionId = session?.SessionId, HasSessionState = session is not null,
            };
        }
        finally
        {
            GitRepository.TryDelete(tempIndex);
            GitRepository.TryDelete(tempIndex + ".lock");
        }
    }
}
