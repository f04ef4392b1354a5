using System.CommandLine;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.Cli;

/// <summary><c>fastband events ...</c>: the interaction event log, its markdown transcript and the agents' cursors.</summary>
internal static class EventsCommands
{
    public static Command Build()
    {
        var events = new Command("events", "The interaction event log: log, read, import/export the seed's events.log, transcript, watch, cursors.");
        events.Subcommands.Add(Log());
        events.Subcommands.Add(Read());
        events.Subcommands.Add(Import());
        events.Subcommands.Add(Export());
        events.Subcommands.Add(Transcript("transcript"));
        events.Subcommands.Add(Transcript("snapshot", hidden: true)); // its old name, hidden, so scripts written for it keep working
        events.Subcommands.Add(Watch());
        events.Subcommands.Add(Next());
        events.Subcommands.Add(Ack());
        events.Subcommands.Add(CursorCommand());
        return events;
    }

    private static Command Log()
    {
        var type = new Argument<string>("type") { Description = $"{string.Join(", ", EventType.Known)}, or a type of your own (letters, digits, '_')." };
        var content = new Argument<string?>("content") { Description = "What happened or what is said.", Arity = ArgumentArity.ZeroOrOne };
        var interaction = new Option<long?>("--interaction") { Description = "The interaction to add to (default: the current one)." };
        var fresh = new Option<bool>("--new") { Description = "Start a new interaction with this event." };
        var cmd = new Command("log", "Log an event as you (--agent). If the store cannot be written it is queued in .fastband/events.offline.log and replayed later.") { type, content, interaction, fresh };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var e = project.Events.Log(p.GetValue(type)!, p.GetValue(content) ?? "", p.GetValue(interaction), p.GetValue(fresh));
            string text = e.Queued
                ? $"Queued in {project.Events.OfflineQueuePath} (the store cannot be written now; it is replayed on the next write that can): {e.Formatted}"
                : $"Logged {e.Formatted}";
            if (e.Queued) Console.Error.WriteLine("fastband: warning: the store cannot be written; the event was queued offline.");
            return Outcome.Of(e, text);
        }, writes: true, offline: true));
        return cmd;
    }

    private static Command Read()
    {
        var interaction = new Option<long?>("--interaction") { Description = "Only this interaction." };
        var type = new Option<string[]>("--type") { Description = "Only these types (repeat or comma-separate).", AllowMultipleArgumentsPerToken = true };
        var actor = new Option<string?>("--actor") { Description = "Only events by this actor." };
        var after = new Option<long?>("--after") { Description = "Only events with an id above this one." };
        var limit = new Option<int>("--limit") { Description = "Only the newest N (0: all), shown oldest first.", DefaultValueFactory = _ => 0 };
        var cmd = new Command("read", "Read events, oldest first.") { interaction, type, actor, after, limit };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Events.Read(new EventQuery
            {
                Interaction = p.GetValue(interaction), Actor = p.GetValue(actor), AfterId = p.GetValue(after), Limit = p.GetValue(limit),
                Types = p.GetValue(type) is { Length: > 0 } t ? t.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() : null,
            });
            return Outcome.Of(list, list.Count == 0 ? "No events." : string.Join(Environment.NewLine, list.Select(e => e.Formatted)));
        }));
        return cmd;
    }

    private static Command Import()
    {
        var file = new Argument<string>("file") { Description = "An events.log in the seed's format (JSON Lines)." };
        var cmd = new Command("import", "Import a seed events.log; malformed lines go to events.error.log and the rest is imported; importing twice adds nothing twice.") { file };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Events.Import(p.GetValue(file)!);
            if (r.Malformed > 0) Console.Error.WriteLine($"fastband: warning: {r.Malformed} malformed line(s) moved to {r.ErrorLog}.");
            return Outcome.Of(r, r.ToString());
        }, writes: true));
        return cmd;
    }

    private static Command Export()
    {
        var file = new Argument<string>("file") { Description = "Where to write (replaced atomically), or - for standard output." };
        var interaction = new Option<long?>("--interaction") { Description = "Only this interaction." };
        var cmd = new Command("export", "Export events in the seed's events.log format (JSON Lines, oldest first).") { file, interaction };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var query = new EventQuery { Interaction = p.GetValue(interaction) };
            if (p.GetValue(file) == "-")
            {
                using var stdout = Console.OpenStandardOutput();
                project.Events.Export(stdout, query);
                return Outcome.None("");
            }
            var r = project.Events.Export(p.GetValue(file)!, query);
            return Outcome.Of(r, r.ToString());
        }));
        return cmd;
    }

    private static Command Transcript(string name, bool hidden = false)
    {
        var cmd = new Command(name, "Write communication.md (the last interactions) and archive.md (the older ones); exit 1, old files intact, if writing fails.") { Hidden = hidden };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var r = project.Events.WriteTranscript();
            return Outcome.Of(r, r.ToString());
        }, writes: true));
        return cmd;
    }

    private static Command Watch()
    {
        var cmd = new Command("watch", "Write the transcript now and whenever new events arrive, until interrupted (with --json: one object per line).");
        cmd.SetAction((p, cancel) => Task.FromResult(Run.With(p, project =>
        {
            bool json = Run.Json(p);
            foreach (var r in project.Events.Watch(cancel))
            {
                Console.Out.WriteLine(json ? FastbandJson.Serialize(r, indented: false) : r.ToString());
                Console.Out.Flush();
            }
            return Outcome.None("");
        }, writes: true)));
        return cmd;
    }

    private static Command Next()
    {
        var limit = new Option<int>("--limit") { Description = "At most this many, oldest first (0: all).", DefaultValueFactory = _ => EventService.DefaultNextLimit };
        var ack = new Option<bool>("--ack") { Description = "Acknowledge the events shown: your cursor moves to the last one." };
        var cmd = new Command("next", "The events after your cursor, oldest first; acknowledge what you handled with 'events ack ID' (or --ack).") { limit, ack };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Events.Next(p.GetValue(limit), p.GetValue(ack));
            if (p.GetValue(limit) > 0 && list.Count == p.GetValue(limit))
                Run.NoteMore(project.Events.CountAfter(list[^1].Id), "event", "acknowledge these and ask again, or pass --limit 0 for all");
            return Outcome.Of(list, list.Count == 0 ? "Nothing new." : string.Join(Environment.NewLine, list.Select(e => e.Formatted)));
        }));
        return cmd;
    }

    private static Command CursorCommand()
    {
        var cmd = new Command("cursor", "Your cursor: acknowledged up to which event, and how many wait.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var c = project.Events.Cursor();
            return Outcome.Of(c, $"{c}.");
        }));
        return cmd;
    }

    private static Command Ack()
    {
        var id = new Argument<long>("id") { Description = "Acknowledge every event up to and including this id." };
        var cmd = new Command("ack", "Move your cursor forward to an event id (never back) and update agent-<you>.checkpoint.") { id };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var c = project.Events.Ack(p.GetValue(id));
            return Outcome.Of(c, $"{c}.");
        }, writes: true));
        return cmd;
    }
}
