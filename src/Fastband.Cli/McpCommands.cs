using System.CommandLine;
using Fastband.Core;
using Fastband.Mcp;

namespace Fastband.Cli;

/// <summary><c>fastband mcp</c>: the MCP server over stdio (src/Fastband.Mcp) for one agent.</summary>
internal static class McpCommands
{
    public static Command Build()
    {
        var role = new Option<string>("--role")
        {
            Description = "agent (default): the session tools; ops: also hold, lift, clearance_grant, lock_break, fix_apply, fix_reject.",
            DefaultValueFactory = _ => FastbandTools.AgentRole,
        };
        role.AcceptOnlyFromAmong(FastbandTools.Roles.ToArray());
        var cmd = new Command("mcp", "Serve the Fastband tools to an MCP client over stdio, as the agent named by --agent or FASTBAND_AGENT (docs/mcp.md).") { role };
        // The server writes the protocol on stdout and its notes on stderr; the outcome is empty so Run writes nothing after it.
        cmd.SetAction(p => Run.WithOptions(p, options =>
        {
            FastbandMcpServer.ServeAsync(options, p.GetValue(role), Console.Error).GetAwaiter().GetResult();
            return new Outcome(null, "");
        }));
        return cmd;
    }
}
