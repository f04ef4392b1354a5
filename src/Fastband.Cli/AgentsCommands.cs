using System.CommandLine;
using System.Text;
using Fastband.Core.OpsLog;

namespace Fastband.Cli;

/// <summary><c>fastband agents ...</c> and <c>fastband tickets ...</c>: agent sessions.</summary>
internal static class AgentsCommands
{
    public static Command Build()
    {
        var agents = new Command("agents", "Agent sessions: register, list, and the status board to read before starting work.");

        var ticket = new Option<string?>("--ticket") { Description = "The ticket you are starting on." };
        var register = new Command("register", "Register (or refresh) your agent session.") { ticket };
        register.SetAction(p => Run.With(p, project =>
        {
            var a = project.Agents.Register(p.GetValue(ticket));
            return Outcome.Of(a, $"Registered {a.Name} on {a.Host} (pid {a.ProcessId})" + (a.CurrentTicket is null ? "." : $", working on ticket #{a.CurrentTicket}."));
        }, writes: true));

        var all = new Option<bool>("--all") { Description = "Include agents not seen within the active window (2 h)." };
        var list = new Command("list", "List active agents.") { all };
        list.SetAction(p => Run.With(p, project =>
        {
            var now = project.Clock.GetUtcNow();
            var found = project.Agents.List(p.GetValue(all));
            return Outcome.Of(found, found.Count == 0 ? "No active agents." : string.Join(Environment.NewLine, found.Select(a => Text.Agent(a, now).TrimStart())));
        }));

        var status = new Command("status", "Active agents, the latest directive and rebuild status: read this before starting work.");
        status.SetAction(p => Run.With(p, project =>
        {
            var s = project.Coordination.GetStatus();
            var text = new StringBuilder("Active Agents:");
            if (s.ActiveAgents.Count == 0) text.AppendLine().Append("  (none)");
            foreach (var a in s.ActiveAgents) text.AppendLine().Append(Text.Agent(a, s.GeneratedAt));
            text.AppendLine().AppendLine().AppendLine("Latest Directive:")
                .Append("  ").AppendLine(Text.Directive(s.Directive, labelled: false).Replace(Environment.NewLine, Environment.NewLine + "  "))
                .AppendLine().Append("Rebuild Status: ").Append(Text.Rebuilds(s.RebuildsInProgress));
            return Outcome.Of(s, text.ToString());
        }));

        agents.Subcommands.Add(register);
        agents.Subcommands.Add(list);
        agents.Subcommands.Add(status);
        return agents;
    }
}

internal static class TicketsCommands
{
    public static Command Build()
    {
        var tickets = new Command("tickets", "Tickets and who works on them.");
        var ticket = new Option<string>("--ticket") { Description = "The ticket to check.", Required = true };
        var conflicts = new Command("conflicts", "Exit 3 if another active agent is on the ticket, 0 if not.") { ticket };
        conflicts.SetAction(p => Run.With(p, project =>
        {
            var c = project.Agents.CheckTicket(p.GetValue(ticket)!);
            return Outcome.Of(c, c.Recommendation, c.HasConflict ? ExitCodes.Blocked : ExitCodes.Ok);
        }));
        tickets.Subcommands.Add(conflicts);
        return tickets;
    }
}
