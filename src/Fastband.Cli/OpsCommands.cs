using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.Cli;

/// <summary><c>fastband ops ...</c>: the Agent Ops Log.</summary>
internal static class OpsCommands
{
    public static Command Build()
    {
        var ops = new Command("ops", "The Agent Ops Log: write and read entries, holds and clearances, rebuilds.");
        ops.Subcommands.Add(Write());
        ops.Subcommands.Add(Read());
        ops.Subcommands.Add(Hold());
        ops.Subcommands.Add(Lift());
        ops.Subcommands.Add(Clearance());
        ops.Subcommands.Add(RequestClearance());
        ops.Subcommands.Add(DirectiveCommand());
        ops.Subcommands.Add(Check());
        ops.Subcommands.Add(Wait());
        ops.Subcommands.Add(Rebuild());
        ops.Subcommands.Add(Rebuilds());
        ops.Subcommands.Add(Archive());
        return ops;
    }

    private static Option<string?> TicketOption(string description = "The ticket id, e.g. 1205.") =>
        new("--ticket") { Description = description };

    private static Option<string[]> ListOption(string name, string description, bool required = false) =>
        new(name) { Description = description, Required = required, AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore };

    private static Command Write()
    {
        var type = new Option<string>("--type") { Description = "Event type: " + string.Join(", ", OpsEventType.All) + ".", Required = true };
        var message = new Option<string>("--message") { Description = "What happened.", Required = true };
        var ticket = TicketOption();
        var meta = new Option<string[]>("--meta") { Description = "Metadata as key=value; repeat for more." };
        var cmd = new Command("write", "Append an entry to the ops log.") { type, message, ticket, meta };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var entry = project.OpsLog.Write(p.GetValue(type)!, p.GetValue(message)!, p.GetValue(ticket),
                OpsLogService.ParseMetadataPairs(p.GetValue(meta)));
            return Outcome.Of(entry, entry.Formatted);
        }, writes: true));
        return cmd;
    }

    private static Command Read()
    {
        var since = new Option<string?>("--since") { Description = "From this long ago (30m, 1h, 2d) or this timestamp. Default: all." };
        var until = new Option<string?>("--until") { Description = "Up to this long ago or this timestamp." };
        var type = new Option<string[]>("--type") { Description = "Only these event types (repeatable)." };
        var ticket = TicketOption("Only entries about this ticket.");
        var limit = new Option<int>("--limit") { Description = $"At most this many entries, newest first (0: no limit).", DefaultValueFactory = _ => OpsLogQuery.DefaultLimit };
        var archive = new Option<bool>("--include-archive") { Description = "Also read entries moved to the daily archive files." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new entries as they arrive, until interrupted (with --json: one object per line)." };
        var cmd = new Command("read", "Query the ops log, newest first. Here --agent filters by the writing agent.") { since, until, type, ticket, limit, archive, follow };
        cmd.Aliases.Add("log");
        cmd.SetAction((p, cancel) => Task.FromResult(Run.With(p, project =>
        {
            var now = project.Clock.GetUtcNow();
            var query = new OpsLogQuery
            {
                Since = p.GetValue(since) is { } s ? TimeSpec.ParsePointInTime(s, now, "--since") : null,
                Until = p.GetValue(until) is { } u ? TimeSpec.ParsePointInTime(u, now, "--until") : null,
                // Reading needs no identity, so on read --agent names the writer to filter by.
                Agent = p.GetValue(GlobalOptions.Agent),
                EventTypes = p.GetValue(type),
                TicketId = p.GetValue(ticket),
                Limit = p.GetValue(limit) >= 0 ? p.GetValue(limit) : throw new InvalidInputException("InvalidLimit", "--limit cannot be negative: use 0 for no limit."),
                IncludeArchive = p.GetValue(archive),
            };
            if (!p.GetValue(follow))
            {
                var page = project.OpsLog.ReadPage(query);
                Run.NoteMore(page.More, "matching entry", "pass --limit 0 for all, or narrow with --since, --type or --agent");
                return Outcome.Of(page.Entries, string.Join(Environment.NewLine, page.Entries.Select(e => e.Formatted)));
            }
            bool json = Run.Json(p);
            foreach (var e in project.OpsLog.Follow(query, cancel))
                Console.Out.WriteLine(json ? FastbandJson.Serialize(e, indented: false) : e.Formatted);
            return Outcome.None("");
        })));
        return cmd;
    }

    private static Command Hold()
    {
        var reason = new Argument<string>("reason") { Description = "Why work must stop." };
        var agents = ListOption("--agents", "Only these agents (comma-separated). Default: everyone.");
        var tickets = ListOption("--tickets", "Only work on these tickets (comma-separated). Default: all work.");
        var cmd = new Command("hold", "Post a hold: the agents it covers may not work until it is lifted or cleared.") { reason, agents, tickets };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var d = project.Directives.Hold(p.GetValue(reason)!, p.GetValue(agents), p.GetValue(tickets));
            return Outcome.Of(d, $"HOLD posted (id {d.Id}): {d.Formatted}");
        }, writes: true));
        return cmd;
    }

    private static Command Lift()
    {
        var reason = new Argument<string?>("reason") { Description = "Why work may resume.", Arity = ArgumentArity.ZeroOrOne };
        var id = new Option<long?>("--id") { Description = "Lift only this hold. Default: every hold in force." };
        var cmd = new Command("lift", "Lift the holds in force (or one, by id).") { reason, id };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var d = project.Directives.Lift(p.GetValue(reason), p.GetValue(id));
            return Outcome.Of(d, $"Lifted: {d.Formatted}");
        }, writes: true));
        return cmd;
    }

    private static Command Clearance()
    {
        var to = ListOption("--to", "The agents cleared (comma-separated).", required: true);
        var tickets = ListOption("--tickets", "The tickets they are cleared for (comma-separated). Default: all work.");
        var reason = new Option<string>("--reason") { Description = "Why.", Required = true };
        var cmd = new Command("clearance", "Grant agents clearance to work on tickets despite the holds in force.") { to, tickets, reason };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var d = project.Directives.GrantClearance(p.GetValue(to)!, p.GetValue(tickets), p.GetValue(reason)!);
            return Outcome.Of(d, $"Clearance granted (id {d.Id}): {d.Formatted}");
        }, writes: true));
        return cmd;
    }

    private static Command RequestClearance()
    {
        var tickets = ListOption("--tickets", "The tickets you want to work on (comma-separated).", required: true);
        var reason = new Option<string>("--reason") { Description = "Why.", Required = true };
        var cmd = new Command("request-clearance", "Ask the other active agents for clearance.") { tickets, reason };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Directives.RequestClearance(p.GetValue(tickets)!, p.GetValue(reason)!);
            return Outcome.Of(r, r.Message + (r.NotifiedCount > 0 ? $" ({string.Join(", ", r.NotifiedAgents)})" : ""));
        }, writes: true));
        return cmd;
    }

    private static Command DirectiveCommand()
    {
        var cmd = new Command("directive", "Show the latest directive and the holds in force.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var status = project.Directives.GetStatus();
            return Outcome.Of(status, Text.Directive(status));
        }));
        return cmd;
    }

    private static Command Check()
    {
        var ticket = TicketOption("The ticket you are about to work on.");
        var cmd = new Command("check", "Exit 0 if you (or the agent named by --agent) may work now, 3 if a hold or a rebuild blocks it.") { ticket };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var answer = project.Coordination.Check(null, p.GetValue(ticket));
            return Outcome.Of(answer, answer.Reason, answer.Allowed ? ExitCodes.Ok : ExitCodes.Blocked);
        }));
        return cmd;
    }

    private static Command Wait()
    {
        var ticket = TicketOption("The ticket you are about to work on.");
        var timeout = new Option<string>("--timeout") { Description = "Give up after this long (exit 3).", DefaultValueFactory = _ => "30m" };
        var interval = new Option<string?>("--interval") { Description = "How often to look (default: the configured poll interval)." };
        var cmd = new Command("wait", "Wait until you may work; exit 0 then, or 3 at the timeout.") { ticket, timeout, interval };
        cmd.SetAction((p, cancel) => Task.FromResult(Run.With(p, project =>
        {
            var answer = project.Coordination.WaitUntilAllowed(null, p.GetValue(ticket),
                TimeSpec.ParseDuration(p.GetValue(timeout)!, "--timeout"), cancel,
                p.GetValue(interval) is { } i ? TimeSpec.ParseDuration(i, "--interval") : null);
            return Outcome.Of(answer, answer.Reason, answer.Allowed ? ExitCodes.Ok : ExitCodes.Blocked);
        })));
        return cmd;
    }

    private static Command Rebuild()
    {
        var container = new Option<string>("--container") { Description = "The container being rebuilt.", Required = true };
        var ticket = TicketOption("The ticket the rebuild is for.");
        var files = ListOption("--files", "Files changed (comma-separated).");
        var status = new Option<string>("--status") { Description = "requested or complete.", Required = true };
        status.AcceptOnlyFromAmong(RebuildTracker.Requested, RebuildTracker.Complete);
        var cmd = new Command("rebuild", "Announce that a container rebuild was requested or is complete.") { container, ticket, files, status };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var entry = project.Rebuilds.Announce(p.GetValue(container)!, p.GetValue(ticket), p.GetValue(files), p.GetValue(status)!);
            return Outcome.Of(entry, entry.Formatted);
        }, writes: true));
        return cmd;
    }

    private static Command Rebuilds()
    {
        var all = new Option<bool>("--all") { Description = "Also show recent rebuilds that completed or timed out." };
        var cmd = new Command("rebuilds", "Show rebuilds in progress (exit 0 either way).") { all };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = p.GetValue(all) ? project.Rebuilds.List() : project.Rebuilds.InProgress();
            return Outcome.Of(list, Text.Rebuilds(list));
        }));
        return cmd;
    }

    private static Command Archive()
    {
        var olderThan = new Option<string?>("--older-than") { Description = "Move entries older than this (default: the retention period, 30d)." };
        var cmd = new Command("archive", "Move old entries from the live store into daily JSONL files under .fastband/agent_ops/archive/.") { olderThan };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var result = project.OpsLog.Archive(p.GetValue(olderThan) is { } o ? TimeSpec.ParseDuration(o, "--older-than") : null);
            return Outcome.Of(result, $"Archived {result.ArchivedCount} entries older than {TimeSpec.Display(result.Cutoff)} UTC"
                                       + (result.Files.Count > 0 ? " into " + string.Join(", ", result.Files.Select(Path.GetFileName)) : "") + ".");
        }));
        return cmd;
    }
}

/// <summary>The human-readable forms.</summary>
internal static class Text
{
    public static string Directive(DirectiveStatus status, bool labelled = true)
    {
        if (status.Latest is null) return status.Message;
        var sb = new StringBuilder();
        if (labelled) sb.Append("Latest directive: ");
        sb.Append(status.Latest.Formatted);
        if (status.ActiveHolds.Count == 0) sb.AppendLine().Append("No hold in force.");
        foreach (var h in status.ActiveHolds) sb.AppendLine().Append($"Hold in force (id {h.Id}): {h.Formatted}");
        foreach (var c in status.Clearances) sb.AppendLine().Append($"  cleared (id {c.Id}): {c.Formatted}");
        return sb.ToString();
    }

    public static string Rebuilds(IReadOnlyList<RebuildStatus> list) =>
        list.Count == 0 ? "No active rebuilds." : string.Join(Environment.NewLine, list.Select(r =>
            r.InProgress ? $"{r.Container}: REBUILDING for #{r.TicketId} by {r.RequestedBy} since {TimeSpec.Display(r.RequestedAt)} UTC"
            : r.TimedOut ? $"{r.Container}: timed out (requested by {r.RequestedBy} at {TimeSpec.Display(r.RequestedAt)} UTC, never completed)"
            : $"{r.Container}: complete at {(r.CompletedAt is { } done ? TimeSpec.Display(done) : "?")} UTC by {r.CompletedBy}"));

    public static string Agent(AgentRegistration a, DateTimeOffset now)
    {
        string what = a.Status switch
        {
            "working" => $"Working on ticket #{a.CurrentTicket}",
            "idle" => "Idle",
            _ => "Inactive",
        };
        return $"  {a.Name}: {what} (last seen {TimeSpec.Humanize(now - a.LastSeenAt)} ago on {a.Host}, registered {TimeSpec.Humanize(now - a.RegisteredAt)} ago)";
    }
}
