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
        var root = new RootCommand("Fastband: a safety net and coordination for teams of AI coding agents on one codebase.");
        foreach (var option in new Option[] { GlobalOptions.Project, GlobalOptions.Agent, GlobalOptions.Session, GlobalOptions.Json }) root.Options.Add(option);
        root.Subcommands.Add(OpsCommands.Build());
        root.Subcommands.Add(AgentsCommands.Build());
        root.Subcommands.Add(TicketsCommands.Build());
        root.Subcommands.Add(LockCommands.Build());
        root.Subcommands.Add(BackupCommands.Build());
        root.Subcommands.Add(MessagingCommands.Board());
        root.Subcommands.Add(MessagingCommands.Status());
        root.Subcommands.Add(MessagingCommands.Msg());
        root.Subcommands.Add(LeaderCommands.Heartbeat());
        root.Subcommands.Add(LeaderCommands.Leader());
        root.Subcommands.Add(HealthCommands.Health());
        root.Subcommands.Add(HealthCommands.Alerts());
        root.Subcommands.Add(EventsCommands.Build());
        root.Subcommands.Add(IssueCommands.Issue());
        root.Subcommands.Add(IssueCommands.Fix());
        root.Subcommands.Add(IssueCommands.Audit());
        root.Subcommands.Add(IssueCommands.Report());
        root.Subcommands.Add(GitCommands.Build());
        root.Subcommands.Add(SessionCommands.Build());
        root.Subcommands.Add(StoreCommands.Build());

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string command = string.Join(' ', CommandPath(parsed.CommandResult.Command, root));
            Console.Error.WriteLine($"fastband: {parsed.Errors[0].Message.TrimEnd('.')}. Run '{command} --help' for usage.");
            return ExitCodes.BadUsage;
        }
        return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    private static IEnumerable<string> CommandPath(Command command, RootCommand root)
    {
        var names = new Stack<string>();
        for (Command? c = command; c is not null && c != root; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Push(c.Name);
        names.Push("fastband");
        return names;
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
    public const int Blocked = 3;
    public const int NotFound = 4;

    public static int For(FailureKind kind) => kind switch
    {
        FailureKind.InvalidInput => BadUsage,
        FailureKind.Blocked => Blocked,
        FailureKind.NotFound => NotFound,
        _ => Failed,
    };
}
