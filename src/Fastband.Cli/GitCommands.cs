using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.Cli;

/// <summary><c>fastband git ...</c>: attributed commits, checkpoints, rollback, undoable restores and status.</summary>
internal static class GitCommands
{
    public static Command Build()
    {
        var git = new Command("git", "The git safety net: attributed commits, checkpoints, rollback of your own commits, restores that snapshot first, status.");
        git.Subcommands.Add(Commit());
        git.Subcommands.Add(Checkpoint());
        git.Subcommands.Add(Checkpoints());
        git.Subcommands.Add(Rollback());
        git.Subcommands.Add(Restore());
        git.Subcommands.Add(Snapshot());
        git.Subcommands.Add(Snapshots());
        git.Subcommands.Add(Status());
        return git;
    }

    private static Command Commit()
    {
        var task = new Option<string>("--task") { Description = "The task id, e.g. T037 (the Task: trailer).", Required = true };
        var message = new Option<string>("--message", "-m") { Description = "What was done, one line.", Required = true };
        var files = new Argument<string[]>("files") { Description = "The files to commit (default: every change, tracked and untracked, not ignored).", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("commit", "Commit your work as '[agent] task: message' with Agent:, Task: and Session: trailers. Nothing to commit is exit 0.") { task, message, files };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Git.Commit(new GitCommitRequest { Task = p.GetValue(task)!, Description = p.GetValue(message)!, Files = p.GetValue(files) });
            return Outcome.Of(r, r.ToString());
        }, writes: true));
        return cmd;
    }

    private static Command Checkpoint()
    {
        var name = new Argument<string>("name") { Description = "The checkpoint's name (the tag is checkpoint-NAME)." };
        var description = new Option<string?>("--description", "-d") { Description = "What this checkpoint is." };
        var force = new Option<bool>("--force") { Description = "Move an existing checkpoint of this name here." };
        var cmd = new Command("checkpoint", "Commit outstanding work, tag it checkpoint-NAME and record it with your session's state (--session). An existing name exits 3 unless --force.") { name, description, force };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var c = project.Git.CreateCheckpoint(p.GetValue(name)!, p.GetValue(description), p.GetValue(force));
            string text = $"Checkpoint {c.Name} at {c.ShortId} (tag {c.Tag})" + (c.Replaced ? ", moved from its old commit" : "")
                          + (c.WorkCommitId is { } w ? $"; outstanding work committed as {w[..7]}" : "")
                          + (c.HasSessionState ? $"; session '{c.SessionId}' recorded" : c.SessionId is null ? "; no session recorded (pass --session)" : $"; session '{c.SessionId}' has no saved state")
                          + $". Restore with: fastband git restore {c.Name} --confirm";
            return Outcome.Of(c, text);
        }, writes: true));
        return cmd;
    }

    private static Command Checkpoints()
    {
        var cmd = new Command("checkpoints", "The checkpoints, newest first.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Git.ListCheckpoints();
            return Outcome.Of(list, list.Count == 0 ? "No checkpoints." : string.Join(Environment.NewLine, list.Select(CheckpointLine)));
        }));
        return cmd;
    }

    private static Command Rollback()
    {
        var count = new Argument<int>("count") { Description = "How many commits to roll back.", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "Roll back even another agent's, a pushed or a merge commit." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be rolled back and change nothing." };
        var cmd = new Command("rollback", "Undo your last commits with a soft reset (their changes stay staged). Exit 3 when one is another agent's, pushed or a merge.") { count, force, dryRun };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Git.Rollback(p.GetValue(count), p.GetValue(force), p.GetValue(dryRun));
            var sb = new StringBuilder(r.Message);
            foreach (var c in r.Commits) sb.AppendLine().Append("  ").Append(c);
            foreach (var o in r.Overridden) sb.AppendLine().Append("  overridden: ").Append(o);
            return Outcome.Of(r, sb.ToString());
        }, writes: true));
        return cmd;
    }

    private static Command Restore()
    {
        var name = new Argument<string>("name") { Description = "The checkpoint to restore." };
        var cmd = new Command("restore", "Reset to a checkpoint (hard), after snapshotting everything uncommitted to refs/fastband/snapshots/. Needs --confirm (or --dry-run).") { name };
        var options = RestoreOptions(cmd);
        cmd.SetAction(p => Confirmed(p, options, "a restore resets the work tree", project =>
        {
            var r = project.Git.RestoreCheckpoint(p.GetValue(name)!, options.Read(p));
            return Outcome.Of(r, RestoreText(r));
        }));
        return cmd;
    }

    private static Command Snapshot()
    {
        var reason = new Option<string?>("--reason") { Description = "Why, shown in the list." };
        var cmd = new Command("snapshot", "Snapshot everything uncommitted and HEAD to refs/fastband/snapshots/, touching neither the work tree nor the index.") { reason };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var s = project.Git.CreateSnapshot(p.GetValue(reason));
            return Outcome.Of(s, $"Snapshot {s.Id} ({s.Ref}). Put it back with: {s.RestoreCommand}");
        }, writes: true));
        return cmd;
    }

    private static Command Snapshots()
    {
        var cmd = new Command("snapshots", "The snapshots taken before restores (and by 'git snapshot'), newest first; 'snapshots restore ID' puts one back.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Git.ListSnapshots();
            return Outcome.Of(list, list.Count == 0 ? "No snapshots." : string.Join(Environment.NewLine, list.Select(SnapshotLine)));
        }));
        var id = new Argument<string>("id") { Description = "The snapshot id (see 'fastband git snapshots')." };
        var restore = new Command("restore", "Put a snapshot back: HEAD, the index and the work tree as they were, after snapshotting the present. Needs --confirm (or --dry-run).") { id };
        var options = RestoreOptions(restore);
        restore.SetAction(p => Confirmed(p, options, "restoring a snapshot resets the work tree", project =>
        {
            var r = project.Git.RestoreSnapshot(p.GetValue(id)!, options.Read(p));
            return Outcome.Of(r, RestoreText(r));
        }));
        cmd.Subcommands.Add(restore);
        return cmd;
    }

    private static Command Status()
    {
        var commits = new Option<int>("--commits") { Description = "How many recent commits to show.", DefaultValueFactory = _ => GitService.DefaultRecentCommits };
        var cmd = new Command("status", "Branch, uncommitted changes, recent commits with their agents, checkpoints and snapshots. Never takes index.lock.") { commits };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var s = project.Git.Status(p.GetValue(commits));
            return Outcome.Of(s, StatusText(s));
        }));
        return cmd;
    }

    // ---------------------------------------------------------------- shared

    private sealed record RestoreFlags(Option<bool> Confirm, Option<bool> DryRun, Option<bool> WithSession, Option<bool> RemoveUntracked)
    {
        public GitRestoreOptions Read(ParseResult p) => new()
        {
            DryRun = p.GetValue(DryRun), WithSession = p.GetValue(WithSession), RemoveUntracked = p.GetValue(RemoveUntracked),
        };
    }

    private static RestoreFlags RestoreOptions(Command cmd)
    {
        var flags = new RestoreFlags(
            new Option<bool>("--confirm") { Description = "Really restore (everything uncommitted is snapshotted first)." },
            new Option<bool>("--dry-run") { Description = "Show what would change and change nothing." },
            new Option<bool>("--with-session") { Description = "Also put back the session state recorded with it." },
            new Option<bool>("--remove-untracked") { Description = "Also remove untracked files the target does not have (they stay in the snapshot)." });
        foreach (var o in new[] { flags.Confirm, flags.DryRun, flags.WithSession, flags.RemoveUntracked }) cmd.Options.Add(o);
        return flags;
    }

    private static int Confirmed(ParseResult p, RestoreFlags flags, string what, Func<FastbandProject, Outcome> body)
    {
        if (!p.GetValue(flags.Confirm) && !p.GetValue(flags.DryRun))
        {
            Console.Error.WriteLine($"fastband: {what}: add --confirm to go ahead (everything uncommitted is snapshotted first), or use --dry-run to see what would change.");
            return ExitCodes.BadUsage;
        }
        return Run.With(p, body, writes: true);
    }

    private static string CheckpointLine(GitCheckpoint c) =>
        $"{c.Name,-24} {c.ShortId}  {(c.CreatedAt is { } t ? TimeSpec.Display(t) : ""),-19}  {c.Agent ?? "-",-12} {(c.HasSessionState ? "session " + c.SessionId : "")}  {c.Description}";

    private static string SnapshotLine(GitSnapshot s) =>
        $"{s.Id}  {s.CommitId[..7]}  {s.Agent ?? "-",-12} {(s.HasSessionState ? "session " + s.SessionId + "  " : "")}{s.Reason}";

    private static string RestoreText(GitRestoreResult r)
    {
        var sb = new StringBuilder(r.Message);
        foreach (var f in r.ChangedFiles.Take(50)) sb.AppendLine().Append("  changed: ").Append(f);
        if (r.ChangedFiles.Count > 50) sb.AppendLine().Append($"  ... and {r.ChangedFiles.Count - 50} more");
        foreach (var f in r.UntrackedKept) sb.AppendLine().Append("  untracked, left in place: ").Append(f);
        foreach (var f in r.UntrackedRemoved) sb.AppendLine().Append(r.DryRun ? "  untracked, would be removed: " : "  untracked, removed (in the snapshot): ").Append(f);
        foreach (var f in r.IgnoredSaved) sb.AppendLine().Append(r.DryRun ? "  ignored, would be overwritten (saved in the snapshot first): " : "  ignored, overwritten (saved in the snapshot): ").Append(f);
        return sb.ToString();
    }

    private static string StatusText(GitStatus s)
    {
        var sb = new StringBuilder($"Branch: {s.Branch ?? "(detached)"}");
        if (s.HeadCommit is { } h) sb.Append($" at {h[..7]}");
        if (s.Upstream is not null) sb.Append($", tracking {s.Upstream} (ahead {s.Ahead}, behind {s.Behind})");
        sb.AppendLine().AppendLine().Append("Uncommitted changes:");
        if (s.IsClean) sb.AppendLine().Append("  (none)");
        foreach (var c in s.Changes) sb.AppendLine().Append($"  {c.Kind,-12} {(c.Staged ? "staged " : "       ")}{c.Path}{(c.OriginalPath is null ? "" : " (from " + c.OriginalPath + ")")}");
        sb.AppendLine().AppendLine().Append("Recent commits:");
        if (s.RecentCommits.Count == 0) sb.AppendLine().Append("  (none)");
        foreach (var c in s.RecentCommits) sb.AppendLine().Append("  ").Append(c);
        sb.AppendLine().AppendLine().Append("Checkpoints:");
        if (s.Checkpoints.Count == 0) sb.AppendLine().Append("  (none)");
        foreach (var c in s.Checkpoints) sb.AppendLine().Append("  ").Append(CheckpointLine(c));
        sb.AppendLine().AppendLine().Append("Snapshots:");
        if (s.Snapshots.Count == 0) sb.AppendLine().Append("  (none)");
        foreach (var x in s.Snapshots) sb.AppendLine().Append("  ").Append(SnapshotLine(x));
        return sb.ToString();
    }
}
