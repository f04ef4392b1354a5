using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.Cli;

/// <summary><c>fastband backup ...</c>: change-aware backups, retention, verification and safe restores.</summary>
internal static class BackupCommands
{
    public static Command Build()
    {
        var command = new Command("backup", "Backups of code, config, data, the database and git: change-aware, verified, restored safely.");
        command.Subcommands.Add(Create());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Restore());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Prune());
        command.Subcommands.Add(RunScheduled());
        command.Subcommands.Add(InitCommands.Schedule());
        return command;
    }

    private static Option<string?> ComponentsOption(string description) => new("--components") { Description = description };

    private static IReadOnlyList<string>? Components(ParseResult p, Option<string?> option) =>
        p.GetValue(option) is { Length: > 0 } value ? new[] { value } : null;

    private static Command Create()
    {
        var type = new Option<string?>("--type") { Description = "daily, weekly or manual (default manual)." };
        var name = new Option<string?>("--name") { Description = "A name to find it by (letters, digits, '-', '_', '.')." };
        var force = new Option<bool>("--force") { Description = "Back up even when nothing changed since the last backup." };
        var components = ComponentsOption("Comma-separated: code,config,data,database,git (default: those enabled in backup_config.yaml).");
        var cmd = new Command("create", "Back up the project. Exit 0 when created or skipped (with the reason), 3 when another backup runs.") { type, name, force, components };
        cmd.SetAction((p, cancel) => Task.FromResult(Run.WithBackups(p, backups =>
        {
            using var bar = ProgressBar.For(p);
            var result = backups.Create(new BackupRequest
            {
                Type = p.GetValue(type) ?? BackupTypes.Manual, Name = p.GetValue(name), Force = p.GetValue(force), Components = Components(p, components),
            }, bar, cancel);
            return Outcome.Of(result, BackupText.Result(result));
        }, writes: true)));
        return cmd;
    }

    private static Command List()
    {
        var cmd = new Command("list", "Every complete backup, newest first, with why retention keeps it.");
        cmd.SetAction(p => Run.WithBackups(p, backups =>
        {
            var all = backups.List();
            return Outcome.Of(all, BackupText.Listing(all));
        }));
        return cmd;
    }

    private static Command Status()
    {
        var cmd = new Command("status", "The last backup, what changed since, the next scheduled runs, and any backup running now.");
        cmd.SetAction(p => Run.WithBackups(p, backups =>
        {
            var status = backups.Status();
            return Outcome.Of(status, BackupText.Status(status));
        }));
        return cmd;
    }

    private static Command Restore()
    {
        var id = RuntimeCompletions.Backups(new Argument<string>("id") { Description = "The backup id or name, or 'latest'." });
        var confirm = new Option<bool>("--confirm") { Description = "Really restore (a safety backup of what is overwritten is taken first)." };
        var components = ComponentsOption("Comma-separated components to restore (default: all the backup holds).");
        var destination = new Option<string?>("--destination") { Description = "Restore into this folder instead of the project." };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would change and change nothing." };
        var cmd = new Command("restore", "Restore a backup: verified first, extracted into staging, a safety backup taken, then swapped in.") { id, confirm, components, destination, dryRun };
        cmd.SetAction((p, cancel) =>
        {
            if (!p.GetValue(confirm) && !p.GetValue(dryRun))
            {
                Console.Error.WriteLine("fastband: a restore overwrites files: add --confirm to restore, or use --dry-run first to see what would change.");
                return Task.FromResult(ExitCodes.BadUsage);
            }
            return Task.FromResult(Run.WithBackups(p, backups =>
            {
                using var bar = ProgressBar.For(p);
                var result = backups.Restore(new RestoreRequest
                {
                    BackupId = p.GetValue(id)!, Components = Components(p, components), DryRun = p.GetValue(dryRun),
                    Destination = p.GetValue(destination) is { } d ? Path.GetFullPath(d) : null,
                }, bar, cancel);
                return Outcome.Of(result, BackupText.Restore(result));
            }, writes: true));
        });
        return cmd;
    }

    private static Command Verify()
    {
        var id = RuntimeCompletions.Backups(new Argument<string>("id") { Description = "The backup id or name, or 'latest'." });
        var cmd = new Command("verify", "Check every archive's checksum and read it end to end (and restore the database dump into a scratch database). Exit 1 when a check fails.") { id };
        cmd.SetAction((p, cancel) => Task.FromResult(Run.WithBackups(p, backups =>
        {
            var result = backups.Verify(p.GetValue(id)!, cancellation: cancel);
            return Outcome.Of(result, BackupText.Verify(result), result.Ok ? ExitCodes.Ok : ExitCodes.Failed);
        })));
        return cmd;
    }

    private static Command Prune()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be removed and remove nothing." };
        var cmd = new Command("prune", "Remove daily and weekly backups beyond their retention; manual ones are never pruned.") { dryRun };
        cmd.SetAction(p => Run.WithBackups(p, backups =>
        {
            var result = backups.Prune(p.GetValue(dryRun));
            return Outcome.Of(result, BackupText.Prune(result));
        }, writes: true));
        return cmd;
    }

    private static Command RunScheduled()
    {
        var cmd = new Command("run-scheduled", "Make today's daily (and, on weekly_day, the weekly) backup if due, then prune. Safe to call as often as a scheduler likes.");
        cmd.SetAction((p, cancel) => Task.FromResult(Run.WithBackups(p, backups =>
        {
            using var bar = ProgressBar.For(p);
            var result = backups.RunScheduled(bar, cancel);
            return Outcome.Of(result, BackupText.Scheduled(result));
        }, writes: true)));
        return cmd;
    }
}

/// <summary>A progress bar on stderr, only when stderr is a terminal and the output is not JSON.</summary>
internal sealed class ProgressBar : IProgress<BackupProgress>, IDisposable
{
    private readonly object _gate = new();
    private int _lastWidth;

    /// <summary>A bar, or null when stderr is redirected or the output is JSON. Dispose it before the result is written.</summary>
    public static ProgressBar? For(ParseResult parse) =>
        Console.IsErrorRedirected || Run.Json(parse) ? null : new ProgressBar();

    /// <summary>Clears a bar left unfinished (a skip, an error), so the result starts on a clean line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_lastWidth > 0) Console.Error.Write("\r" + new string(' ', _lastWidth) + "\r");
            _lastWidth = 0;
        }
    }

    public void Report(BackupProgress value)
    {
        lock (_gate)
        {
            int percent = Math.Clamp(value.Percent, 0, 100);
            int filled = percent * 30 / 100;
            string line = $"\r{value.Activity} [{new string('#', filled)}{new string('-', 30 - filled)}] {percent,3}% {value.Status}";
            Console.Error.Write(line.PadRight(_lastWidth));
            _lastWidth = line.Length;
            if (percent >= 100)
            {
                Console.Error.WriteLine();
                _lastWidth = 0;
            }
        }
    }
}

internal static class BackupText
{
    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.0} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB",
    };

    public static string Result(BackupResult r)
    {
        if (!r.Created) return $"Skipped: {r.Reason}.";
        var b = r.Backup!;
        return $"Created backup {b.Id} ({b.BackupType}, {b.Manifest.FileCount} files, {Size(b.SizeBytes)}) in {r.Elapsed.TotalSeconds:0.0} s: {r.Reason}."
               + Environment.NewLine + $"  {b.Path}";
    }

    public static string Listing(IReadOnlyList<BackupInfo> all)
    {
        if (all.Count == 0) return "No backups yet: create one with 'fastband backup create'.";
        var sb = new StringBuilder();
        foreach (var b in all)
            sb.AppendLine($"{b.Id}  {b.BackupType,-7}  {TimeSpec.Display(b.CreatedAt)} UTC  {Size(b.SizeBytes),10}  {(b.Name ?? "-"),-20}  {b.RetentionReason}");
        return sb.ToString().TrimEnd();
    }

    public static string Status(BackupStatus s)
    {
        var sb = new StringBuilder();
        sb.AppendLine(s.LastBackup is { } last ? $"Last backup: {last.Id} ({last.BackupType}, {TimeSpec.Display(last.CreatedAt)} UTC)" : "Last backup: none yet");
        sb.AppendLine($"Changes since: {s.ChangesSinceLast}");
        sb.AppendLine($"Backups: {s.BackupCount}, {Size(s.TotalBytes)}");
        sb.AppendLine($"Next daily: {(s.NextDaily is { } d ? TimeSpec.Display(d) + " UTC" : "off")}; next weekly: {(s.NextWeekly is { } w ? TimeSpec.Display(w) + " UTC" : "off")}");
        sb.AppendLine($"Database: {s.Database}");
        sb.Append($"Running now: {s.RunningBackup ?? "nothing"}");
        return sb.ToString();
    }

    public static string Restore(RestoreResult r)
    {
        var sb = new StringBuilder();
        string counts = $"{r.Created} created, {r.Overwritten} overwritten, {r.Unchanged} unchanged; {r.NotInBackup} files not in the backup left alone";
        if (r.DryRun) sb.Append($"Dry run: restoring {r.BackupId} ({string.Join(",", r.Components)}) into {r.Destination} would change {r.Changes.Count} things ({counts}). Nothing was changed.");
        else
        {
            sb.Append($"Restored {r.BackupId} ({string.Join(",", r.Components)}) into {r.Destination}: {counts}.");
            if (r.DatabaseRestored) sb.Append(" The database was restored.");
            sb.AppendLine().Append(r.SafetyBackupId is { } safety ? $"Safety backup of the state before: {safety}" : "No safety backup was needed (nothing in the project was overwritten).");
        }
        foreach (var c in r.Changes) sb.AppendLine().Append("  ").Append(c);
        return sb.ToString();
    }

    public static string Verify(VerifyResult v)
    {
        var sb = new StringBuilder(v.Ok ? $"Backup {v.BackupId} verified: {v.Checks.Count} checks passed." : $"Backup {v.BackupId} FAILED verification: {v.Checks.Count(c => !c.Ok)} of {v.Checks.Count} checks failed.");
        foreach (var c in v.Checks) sb.AppendLine().Append($"  {(c.Ok ? "ok  " : "FAIL")}  {c.Component,-8}  {c.What,-8}  {c.Detail}");
        return sb.ToString();
    }

    public static string Prune(PruneResult r)
    {
        var sb = new StringBuilder(r.Removed.Count == 0 ? "Nothing to prune." : r.DryRun ? $"Dry run: would remove {r.Removed.Count} backups (nothing was removed):" : $"Removed {r.Removed.Count} backups:");
        foreach (var b in r.Removed) sb.AppendLine().Append($"  {(r.DryRun ? "would remove" : "removed")}  {b.Id}  {b.RetentionReason}");
        foreach (var b in r.Kept) sb.AppendLine().Append($"  kept          {b.Id}  {b.RetentionReason}");
        return sb.ToString();
    }

    public static string Scheduled(ScheduledRunResult r)
    {
        var sb = new StringBuilder(r.Message.Length > 0 ? r.Message : "Nothing was due.");
        sb.AppendLine().Append($"Next daily: {(r.NextDaily is { } d ? TimeSpec.Display(d) + " UTC" : "off")}; next weekly: {(r.NextWeekly is { } w ? TimeSpec.Display(w) + " UTC" : "off")}");
        return sb.ToString();
    }
}
