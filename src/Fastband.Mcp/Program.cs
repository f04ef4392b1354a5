using Fastband.Core;

namespace Fastband.Mcp;

/// <summary>
/// The server as a program of its own, which <c>fastband mcp</c> executes in its place (the CLI is compiled ahead of
/// time; the MCP SDK is not, and loads only here). Its arguments are the CLI's, already checked:
/// <c>--role agent|ops</c>, and <c>--project</c>, <c>--agent</c>, <c>--session</c> when given.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string? project = null, agent = null, session = null, role = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--project": project = value; break;
                case "--agent": agent = value; break;
                case "--session": session = value; break;
                case "--role": role = value; break;
                default:
                    Console.Error.WriteLine($"fastband mcp: unknown argument '{args[i]}': start the server with `fastband mcp` (see docs/mcp.md).");
                    return ExitCodes.BadUsage;
            }
        }
        if (args.Length % 2 != 0)
        {
            Console.Error.WriteLine($"fastband mcp: '{args[^1]}' has no value: start the server with `fastband mcp` (see docs/mcp.md).");
            return ExitCodes.BadUsage;
        }
        var options = new ProjectOptions { ProjectPath = project, Agent = agent, Session = session, ExistingStoreOnly = true };
        try
        {
            return FastbandMcpServer.Serve(options, role, Console.Error);
        }
        catch (FastbandException e)
        {
            Console.Error.WriteLine($"fastband: {e.Message}");
            return ExitCodes.For(e.Kind);
        }
    }
}
