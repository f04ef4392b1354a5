using System.CommandLine;
using Fastband.Core;

namespace Fastband.Cli;

/// <summary>
/// The <c>fastband</c> command. Commands only map arguments onto Core and write what Core returns;
/// exit codes: 0 done, 1 failed, 2 bad usage or invalid input, 3 blocked or in conflict, 4 not found.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        PhaseTrace.Mark("main");
        int code = Run(args);
        if (PhaseTrace.Enabled)
        {
            PhaseTrace.Mark("done");
            Console.Error.WriteLine("fastband: " + PhaseTrace.Line());
        }
        return code;
    }

    private static int Run(string[] args)
    {
        var root = new RootCommand("Fastband: a safety net and coordination for teams of AI coding agents on one codebase.");
        foreach (var option in new Option[] { GlobalOptions.Project, GlobalOptions.Agent, GlobalOptions.Session, GlobalOptions.Json }) root.Options.Add(option);
        // Only the group the command line names is built (each builds dozens of options and handlers, most of a
        // command's start-up after the runtime's own); the root's help, a typo or anything unusual gets them all.
        string? group = GroupNamed(args);
        bool known = Groups.Any(g => g.Name == group);
        foreach (var (name, build) in Groups)
            if (!known || name == group) root.Subcommands.Add(build());

        // No response files: "@alice please review" is a message, and "@/path/to/secret" must not pull a file's
        // contents into the ops log (or a command line out of a file).
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            string command = string.Join(' ', CommandPath(parsed.CommandResult.Command, root));
            // "Required command was not provided" comes first for a misspelt command; the word itself says more.
            var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            string hint = parsed.UnmatchedTokens.Count > 0 && DidYouMean.Suggest(parsed.UnmatchedTokens[0], parsed.CommandResult.Command) is { } near
                ? $" Did you mean '{near}'?" : "";
            string sentence = $"{error.Message.TrimEnd('.')}.{hint} Run '{command} --help' for usage.";
            Console.Error.WriteLine($"fastband: {sentence}");
            // The parse failed, so --json is looked for among the words themselves.
            if (args.Contains("--json")) Console.Out.WriteLine(FastbandJson.Serialize(new ErrorReport(new ErrorDetail("BadUsage", sentence), ExitCodes.BadUsage)));
            return ExitCodes.BadUsage;
        }
        PhaseTrace.Mark("parsed");
        return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>Every command group, by the name its command carries (a test holds the two together).</summary>
    public static readonly IReadOnlyList<(string Name, Func<Command> Build)> Groups = new (string, Func<Command>)[]
    {
        ("ops", OpsCommands.Build), ("agents", AgentsCommands.Build), ("tickets", TicketsCommands.Build), ("lock", LockCommands.Build),
        ("backup", BackupCommands.Build), ("board", MessagingCommands.Board), ("status", MessagingCommands.Status), ("msg", MessagingCommands.Msg),
        ("heartbeat", LeaderCommands.Heartbeat), ("leader", LeaderCommands.Leader), ("health", HealthCommands.Health), ("alerts", HealthCommands.Alerts),
        ("events", EventsCommands.Build), ("issue", IssueCommands.Issue), ("fix", IssueCommands.Fix), ("audit", IssueCommands.Audit),
        ("report", IssueCommands.Report), ("git", GitCommands.Build), ("session", SessionCommands.Build), ("store", StoreCommands.Build), ("hook", HookCommands.Build),
        ("init", InitCommands.Build), ("mcp", McpCommands.Build), ("completion", CompletionCommands.Build),
    };

    /// <summary>The first word that is not a global option or its value: the group the command line names, if any.</summary>
    public static string? GroupNamed(IReadOnlyList<string> args)
    {
        string[] withValue = { "--project", "--agent", "--session" };
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (withValue.Contains(a)) { i++; continue; }
            if (a == "--json" || withValue.Any(o => a.StartsWith(o + "=", StringComparison.Ordinal) || a.StartsWith(o + ":", StringComparison.Ordinal))) continue;
            return a.StartsWith('-') || a.StartsWith('@') ? null : a; // another option (--help), or no group name at all: build everything
        }
        return null;
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        var names = new Stack<string>();
        for (Command? c = command; c is not null && c != root; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Push(c.Name);
        names.Push("fastband");
        return names;
    }
}
