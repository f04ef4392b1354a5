using Fastband.Core.Locks;
using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.Board;
using Fastband.Core.Messaging;

namespace Fastband.Cli;

/// <summary><c>fastband board</c>, <c>fastband status set</c> and <c>fastband msg ...</c>: the status board and messages between agents.</summary>
internal static class MessagingCommands
{
    public static Command Board()
    {
        var history = new Option<int>("--history") { Description = "How many recent releases and refused acquisitions to show.", DefaultValueFactory = _ => BoardService.DefaultHistory };
        var cmd = new Command("board", "The status board: what each agent is on, active locks, recent releases and refused acquisitions.") { history };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var board = project.Board.GetBoard(p.GetValue(history));
            return Outcome.Of(board, BoardText(board));
        }));
        return cmd;
    }

    public static Command Status()
    {
        var status = new Option<string>("--status") { Description = "One of " + string.Join(", ", WorkStatus.All) + ".", Required = true };
        var files = new Option<string[]>("--files") { Description = "The files involved (comma-separated).", Arity = ArgumentArity.OneOrMore };
        var ticket = new Option<string?>("--ticket") { Description = "The ticket you are on." };
        var note = new Option<string?>("--note") { Description = "A few words more." };
        var set = new Command("set", "Set your status on the board (it replaces your previous one).") { status, files, ticket, note };
        set.SetAction(p => Run.With(p, project =>
        {
            var s = project.Board.SetStatus(p.GetValue(status)!, p.GetValue(files), p.GetValue(ticket), p.GetValue(note));
            return Outcome.Of(s, $"Status set: {s}");
        }, writes: true));
        var cmd = new Command("status", "Your status on the status board.");
        cmd.Subcommands.Add(set);
        return cmd;
    }

    public static Command Msg()
    {
        var msg = new Command("msg", "Messages between agents: send, read, acknowledge.");
        msg.Subcommands.Add(Send());
        msg.Subcommands.Add(Read());
        msg.Subcommands.Add(Ack());
        return msg;
    }

    private static Command Send()
    {
        var to = RuntimeCompletions.Agents(new Option<string>("--to") { Description = "The registered agent to send to.", Required = true });
        var message = new Option<string>("--message") { Description = "What to say.", Required = true };
        var kind = new Option<string?>("--kind") { Description = "One of " + string.Join(", ", MessageKind.All) + " (default info)." };
        var thread = new Option<string?>("--thread") { Description = "A conversation name, e.g. handoff-1205." };
        var cmd = new Command("send", "Send a message to a registered agent (exit 4 if no such agent).") { to, message, kind, thread };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var m = project.Messages.Send(p.GetValue(to)!, p.GetValue(message)!, p.GetValue(kind), p.GetValue(thread));
            return Outcome.Of(m, $"Sent message {m.Id} to {m.Recipient} (#{m.Seq}).");
        }, writes: true));
        return cmd;
    }

    private static Command Read()
    {
        var all = new Option<bool>("--all") { Description = "Also show messages already acknowledged." };
        var ack = new Option<bool>("--ack") { Description = "Acknowledge the unread messages shown, so they are not shown as unread again." };
        var limit = new Option<int>("--limit") { Description = "At most this many messages, oldest unread first (0: no limit); the rest come with the next read.", DefaultValueFactory = _ => MessageService.DefaultLimit };
        var cmd = new Command("read", "Your unread messages, oldest first.") { all, ack, limit };
        cmd.SetAction(p => Run.With(p, project =>
        {
            bool acking = p.GetValue(ack);
            var list = project.Messages.Read(p.GetValue(all), acking, p.GetValue(limit));
            if (!p.GetValue(all) && p.GetValue(limit) > 0 && list.Count == p.GetValue(limit))
                Run.NoteMore(project.Messages.UnreadCount() - (acking ? 0 : list.Count), "unread message", "they come with the next read, or pass --limit 0 for all");
            string text = list.Count == 0
                ? (p.GetValue(all) ? "No messages." : "No unread messages.")
                : string.Join(Environment.NewLine, list.Select(m => $"{m.Id,6}  {m.Formatted}" + (m.IsAcknowledged && !acking ? "  (acknowledged)" : "")));
            return Outcome.Of(list, text);
        }, writes: true));
        return cmd;
    }

    private static Command Ack()
    {
        var ids = new Argument<long[]>("id") { Description = "The ids of your messages to acknowledge.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("ack", "Acknowledge your messages by id (exit 4, acknowledging nothing, if one is not yours).") { ids };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Messages.Ack(p.GetValue(ids)!);
            return Outcome.Of(r, $"{r}.");
        }, writes: true));
        return cmd;
    }

    private static string BoardText(StatusBoard board)
    {
        var now = board.GeneratedAt;
        var sb = new StringBuilder("Agents:");
        if (board.Agents.Count == 0) sb.AppendLine().Append("  (none)");
        foreach (var a in board.Agents)
        {
            sb.AppendLine().Append($"  {a.Name}: {a.Status ?? "(no status)"}");
            if (a.TicketId is not null) sb.Append($" on #{a.TicketId}");
            if (a.Files.Count > 0) sb.Append($" [{string.Join(", ", a.Files)}]");
            if (a.Note is not null) sb.Append($" - {a.Note}");
            if (a.UpdatedAt is { } u) sb.Append($" (set {TimeSpec.Humanize(now - u)} ago{(a.IsActive ? "" : ", inactive")})");
            else sb.Append(a.IsActive ? " (active)" : " (inactive)");
        }
        sb.AppendLine().AppendLine().Append("Active Locks:");
        if (board.ActiveLocks.Count == 0) sb.AppendLine().Append("  (none)");
        foreach (var l in board.ActiveLocks)
            sb.AppendLine().Append($"  {string.Join(", ", l.Resources)}: {l.Agent} ({l.Mode}, token {l.FencingToken}, expires in {TimeSpec.Humanize(l.ExpiresAt - now)}" + (l.Waiters > 0 ? $", {l.Waiters} waiting)" : ")"));
        Events(sb, "Recent Releases:", board.RecentReleases);
        Events(sb, "Refused Acquisitions:", board.RefusedAcquisitions);
        return sb.ToString();
    }

    private static void Events(StringBuilder sb, string title, IReadOnlyList<LockEvent> events)
    {
        sb.AppendLine().AppendLine().Append(title);
        if (events.Count == 0) sb.AppendLine().Append("  (none)");
        foreach (var e in events)
            sb.AppendLine().Append($"  [{TimeSpec.Display(e.At)}] {e.Agent} {e.Action} {string.Join(", ", e.Resources)}" + (e.Detail is null ? "" : $" ({e.Detail})"));
    }
}
