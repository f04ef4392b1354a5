using System.Globalization;

namespace Fastband.Core.Git;

/// <summary>
/// The state of the repository as <c>fastband git status</c> shows it: branch and upstream, every uncommitted
/// change (git status --porcelain=v2, parsed), recent commits with their agents, checkpoints and snapshots.
/// Only reads: takes no lock.
/// </summary>
internal sealed class GitStatusReader(GitRepository repository, GitCheckpoints checkpoints, GitSnapshots snapshots)
{
    /// <summary>Branch, uncommitted changes, recent commits with their agents, checkpoints and snapshots. Takes no lock.</summary>
    public GitStatus Read(int recentCommits = GitService.DefaultRecentCommits)
    {
        if (recentCommits < 0) throw new InvalidInputException("InvalidCount", "The number of recent commits cannot be negative.");
        var repo = repository.Locate();
        var args = new List<string> { "-c", "status.relativePaths=false", "status", "--porcelain=v2", "-z", "--branch", "--untracked-files=all", "--" };
        args.AddRange(repo.AllPathspec);
        var run = repository.Runner.Run(args, readOnly: true);
        if (!run.Ok) throw GitRepository.Failed("status", run);
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
            RecentCommits = head is null || recentCommits == 0 ? Array.Empty<GitCommitInfo>() : repository.Log(recentCommits, head),
            Checkpoints = checkpoints.List(), Snapshots = snapshots.List(),
        };
    }
}
