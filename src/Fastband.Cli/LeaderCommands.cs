using System.CommandLine;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.Cli;

/// <summary><c>fastband heartbeat</c> and <c>fastband leader show|campaign|resign|check|history</c>.</summary>
internal static class LeaderCommands
{
    public static Command Heartbeat()
    {
        var role = new Option<string?>("--role") { Description = "orchestrator or agent (default: as before, else agent)." };
        role.AcceptOnlyFromAmong(HeartbeatRole.All.ToArray());
        var term = TermOption("As the leader: your term; the beat is refused (exit 3, nothing written) if it is not current.", required: false);
        var every = new Option<string?>("--every") { Description = "Keep beating at this interval (e.g. 10s, shorter than leader.heartbeatTimeout) until interrupted." };
        var stop = new Option<bool>("--stop") { Description = "You are leaving: remove your heartbeat (and resign if you lead)." };
        var cmd = new Command("heartbeat", "Send a heartbeat (the leader's also renews its lease).") { role, term, every, stop };
        cmd.SetAction((p, cancel) => Task.FromResult(Run.With(p, project =>
        {
            if (p.GetValue(stop))
            {
                var stopped = project.Leader.StopBeating();
                return Outcome.Of(stopped, stopped.Message);
            }
            if (p.GetValue(every) is not { } interval)
            {
                var beat = project.Leader.Beat(p.GetValue(role), p.GetValue(term));
                return Outcome.Of(beat, beat.Message);
            }
            bool json = Run.Json(p);
            foreach (var beat in project.Leader.BeatEvery(TimeSpec.ParseDuration(interval, "--every"), p.GetValue(role), p.GetValue(term), cancel))
            {
                Console.Out.WriteLine(json ? FastbandJson.Serialize(beat, indented: false) : beat.Message);
                Console.Out.Flush();
            }
            return Outcome.None("");
        }, writes: true)));
        return cmd;
    }

    public static Command Leader()
    {
        var leader = new Command("leader", "Leader election: who leads, in which term; campaign, resign, check a term.");
        leader.Subcommands.Add(Show());
        leader.Subcommands.Add(Campaign());
        leader.Subcommands.Add(Resign());
        leader.Subcommands.Add(Check());
        leader.Subcommands.Add(History());
        return leader;
    }

    private static Option<long?> TermOption(string description, bool required) => new("--term") { Description = description, Required = required };

    private static Command Show()
    {
        var cmd = new Command("show", "Who leads, in which term, and how long since its last heartbeat.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var s = project.Leader.Show();
            return Outcome.Of(s, s.Message);
        }));
        return cmd;
    }

    private static Command Campaign()
    {
        var cmd = new Command("campaign", "Campaign for leadership: wins the next term when nobody leads or the leader's heartbeat is older than leader.heartbeatTimeout; exit 3 while the leader is alive.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var s = project.Leader.Campaign();
            return Outcome.Of(s, s.Message);
        }, writes: true));
        return cmd;
    }

    private static Command Resign()
    {
        var term = TermOption("Your term (recommended): refused with exit 3 if it is not current.", required: false);
        var cmd = new Command("resign", "Give up leadership at once: the next campaign wins the next term without waiting.") { term };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var s = project.Leader.Resign(p.GetValue(term));
            return Outcome.Of(s, s.Message);
        }, writes: true));
        return cmd;
    }

    private static Command Check()
    {
        var term = TermOption("The term the action is taken in.", required: true);
        var cmd = new Command("check", "Guard a leader action: exit 0 if you lead in this term, else exit 3 (and an error event is recorded).") { term };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var c = project.Leader.AssertLeader(p.GetValue(term)!.Value);
            return Outcome.Of(c, c.Reason);
        }));
        return cmd;
    }

    private static Command History()
    {
        var limit = new Option<int>("--limit") { Description = "At most this many terms, newest first.", DefaultValueFactory = _ => 20 };
        var cmd = new Command("history", "The terms so far: who led, since when, and how each ended.") { limit };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var terms = project.Leader.Terms(p.GetValue(limit));
            if (p.GetValue(limit) > 0 && terms.Count == p.GetValue(limit) && terms[^1].Term > 1)
                Run.NoteMore(terms[^1].Term - 1, "older term", "pass --limit 0 for all");
            return Outcome.Of(terms, terms.Count == 0 ? "Nobody has led yet." : string.Join(Environment.NewLine, terms));
        }));
        return cmd;
    }
}
