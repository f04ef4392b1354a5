using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.Setup;

namespace Fastband.Cli;

/// <summary>
/// <c>fastband init</c>: makes the folder a Fastband project (config files, store), and optionally installs the
/// backup schedule and wires agents. <c>fastband backup schedule show|remove</c> lives here too.
/// The agents are chosen with --wire; the global --agent is the name their MCP server and hook act as.
/// </summary>
internal static class InitCommands
{
    public static Command Build()
    {
        var force = new Option<bool>("--force") { Description = "Rewrite what init wrote before (files with its marker line, its own entries) where they differ; never a file without the marker." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be written, and write nothing." };
        var schedule = new Option<string?>("--schedule") { Description = "Install the backup schedule on this machine: cron, systemd, windows or none (default none)." };
        var wire = new Option<string[]>("--wire")
        {
            Description = "Wire agents to Fastband's MCP server and hook: claude, codex (repeat, or comma-separated). Their name is the global --agent (or FASTBAND_AGENT).",
            AllowMultipleArgumentsPerToken = false,
        };
        var cmd = new Command("init", "Make this folder a Fastband project: .fastband/ with a commented config.yaml and backup_config.yaml holding every default, and the store. Safe to run again: it changes nothing that is already there.")
        {
            force, dryRun, schedule, wire,
        };
        cmd.SetAction(p => Run.WithOptions(p, o =>
        {
            var result = ProjectInitializer.Init(new InitOptions
            {
                ProjectPath = o.ProjectPath, Agent = o.Agent, Force = p.GetValue(force), DryRun = p.GetValue(dryRun), Schedule = p.GetValue(schedule),
                Wire = p.GetValue(wire), Launcher = NeedsLauncher(p.GetValue(schedule), p.GetValue(wire)) ? Launcher.ForThisProcess() : null,
            });
            return Outcome.Of(result, InitText.Result(result));
        }));
        return cmd;
    }

    private static bool NeedsLauncher(string? schedule, string[]? wire) =>
        (wire is { Length: > 0 }) || (!string.IsNullOrWhiteSpace(schedule) && !schedule.Trim().Equals(ScheduleKind.None, StringComparison.OrdinalIgnoreCase));

    /// <summary><c>fastband backup schedule show|remove</c>.</summary>
    public static Command Schedule()
    {
        var command = new Command("schedule", "This project's backup schedule on this machine (install it with 'fastband init --schedule cron|systemd|windows').");
        var show = new Command("show", "Show this project's crontab line, systemd units or Windows task script.");
        show.SetAction(p => Run.WithOptions(p, o =>
        {
            var report = new BackupScheduler(ProjectLocator.Resolve(o.ProjectPath, o.CurrentDirectory)).Show();
            return Outcome.Of(report, InitText.Schedule(report));
        }));
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be removed, and remove nothing." };
        var remove = new Command("remove", "Remove this project's schedule entries (and nothing else in the crontab).") { dryRun };
        remove.SetAction(p => Run.WithOptions(p, o =>
        {
            var report = new BackupScheduler(ProjectLocator.Resolve(o.ProjectPath, o.CurrentDirectory)).Remove(p.GetValue(dryRun));
            return Outcome.Of(report, InitText.Schedule(report));
        }));
        command.Subcommands.Add(show);
        command.Subcommands.Add(remove);
        return command;
    }
}

internal static class InitText
{
    private static string Verb(string action, bool dryRun) => !dryRun ? action : action switch
    {
        InitAction.Created => "would create",
        InitAction.Rewritten => "would rewrite",
        InitAction.Added => "would add",
        InitAction.Removed => "would remove",
        _ => action,
    };

    public static string Result(InitResult r)
    {
        var sb = new StringBuilder();
        foreach (var item in r.Items)
        {
            sb.Append($"{Verb(item.Action, r.DryRun),-13} {item.Item,-12} {item.Path}");
            if (item.Message is not null) sb.Append($" ({item.Message})");
            sb.AppendLine();
            if (r.DryRun && item.Changes && item.Content is not null)
            {
                foreach (string line in item.Content.TrimEnd('\n').Split('\n')) sb.Append("    | ").AppendLine(line);
            }
        }
        sb.Append(r.Message);
        return sb.ToString();
    }

    public static string Schedule(ScheduleReport r)
    {
        var sb = new StringBuilder();
        foreach (var e in r.Entries)
        {
            sb.AppendLine($"{(r.DryRun ? "would remove" : e.Action),-13} {e.Path}");
            if (e.Content is not null)
                foreach (string line in e.Content.TrimEnd('\n').Split('\n')) sb.Append("    | ").AppendLine(line);
        }
        sb.Append(r.Message);
        return sb.ToString();
    }
}
