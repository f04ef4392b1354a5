using System.CommandLine;
using Fastband.Core;
using Fastband.Core.Sessions;

namespace Fastband.Cli;

/// <summary><c>fastband session save|show|restore|list</c>: a session's state (conversation, agent contexts, task progress, current task).</summary>
internal static class SessionCommands
{
    public static Command Build()
    {
        var session = new Command("session", "Session state: save it, show it, restore it whole, list the saved sessions.");
        session.Subcommands.Add(Save());
        session.Subcommands.Add(Show());
        session.Subcommands.Add(Restore());
        session.Subcommands.Add(List());
        return session;
    }

    private static Argument<string?> IdArgument() =>
        new("id") { Description = "The session id (default: --session, else FASTBAND_SESSION).", Arity = ArgumentArity.ZeroOrOne };

    private static Command Save()
    {
        var id = IdArgument();
        var file = new Option<string?>("--file") { Description = "A whole state document, the shape 'session show --json' writes ('-' reads stdin)." };
        var conversation = new Option<string?>("--conversation") { Description = "A file holding the conversation history, a JSON array ('-' reads stdin)." };
        var contexts = new Option<string?>("--contexts") { Description = "A file holding the agent contexts, a JSON object." };
        var progress = new Option<string?>("--progress") { Description = "A file holding the task progress, a JSON object." };
        var task = new Option<string?>("--current-task") { Description = "The task in progress." };
        var cmd = new Command("save", "Save (replace) a session's state; malformed JSON exits 2 with the reason and saves nothing.") { id, file, conversation, contexts, progress, task };
        cmd.SetAction(p => Run.With(p, project =>
        {
            string? f = p.GetValue(file);
            var parts = new SessionInput
            {
                ConversationHistory = p.GetValue(conversation) is { } c ? ReadInput(c) : null,
                AgentContexts = p.GetValue(contexts) is { } x ? ReadInput(x) : null,
                TaskProgress = p.GetValue(progress) is { } g ? ReadInput(g) : null,
                CurrentTask = p.GetValue(task),
            };
            var input = SessionService.Compose(p.GetValue(id), f is null ? null : ReadInput(f), f == "-" ? "stdin" : $"'{f}'", parts);
            var saved = project.Sessions.Save(input);
            return Outcome.Of(saved, $"Saved session {saved}.");
        }, writes: true));
        return cmd;
    }

    private static Command Show()
    {
        var id = IdArgument();
        var cmd = new Command("show", "A session's whole saved state (exit 4 if none is saved).") { id };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var s = project.Sessions.Get(p.GetValue(id));
            string text = $"Session {s.SessionId} (saved {TimeSpec.Display(s.UpdatedAt)} UTC by {s.Agent ?? "-"}): {s.MessageCount} messages"
                          + (s.CurrentTask is null ? "" : $", current task {s.CurrentTask}")
                          + $"{Environment.NewLine}Agent contexts: {s.AgentContexts ?? "(none)"}{Environment.NewLine}Task progress: {s.TaskProgress ?? "(none)"}"
                          + $"{Environment.NewLine}Conversation: {s.ConversationHistory}";
            return Outcome.Of(s, text);
        }));
        return cmd;
    }

    /// <summary>
    /// The whole saved state as the JSON document <c>session save --file</c> takes (with or without --json), so that
    /// a restarted agent can read it, or feed it back: <c>fastband session restore s1 | fastband session save s2 --file -</c>.
    /// </summary>
    private static Command Restore()
    {
        var id = IdArgument();
        var cmd = new Command("restore", "Print a session's whole saved state as the JSON document 'session save --file' takes (exit 4 if none is saved).") { id };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var s = project.Sessions.Get(p.GetValue(id));
            return Outcome.Of(s, FastbandJson.Serialize(s));
        }));
        return cmd;
    }

    private static Command List()
    {
        var cmd = new Command("list", "The saved sessions, most recently saved first.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var list = project.Sessions.List();
            return Outcome.Of(list, list.Count == 0 ? "No saved sessions." : string.Join(Environment.NewLine,
                list.Select(s => $"{s.SessionId,-24} {TimeSpec.Display(s.UpdatedAt)}  {s.Agent ?? "-",-12} {s.MessageCount,6} messages {s.SizeBytes,12:N0} bytes  {s.CurrentTask}")));
        }));
        return cmd;
    }

    private static string ReadInput(string path)
    {
        if (path == "-") return Console.In.ReadToEnd();
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException("FileNotFound", $"'{path}' does not exist: give the path of a JSON file, or '-' for stdin; nothing was saved.");
        }
    }
}
