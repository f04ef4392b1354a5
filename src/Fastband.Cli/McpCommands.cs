using System.CommandLine;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using Fastband.Core;

namespace Fastband.Cli;

/// <summary>
/// <c>fastband mcp</c>: the MCP server over stdio (src/Fastband.Mcp) for one agent. The server and the MCP SDK live in
/// mcp/ beside fastband.dll and load into <see cref="McpLoadContext"/>, so their packages never enter the other
/// commands' start-up (see Fastband.Cli.csproj).
/// </summary>
internal static class McpCommands
{
    public static Command Build()
    {
        var role = new Option<string>("--role")
        {
            Description = "agent (default): the session tools; ops: also hold, lift, clearance_grant, lock_break, fix_apply, fix_reject.",
            DefaultValueFactory = _ => "agent",
        };
        role.AcceptOnlyFromAmong("agent", "ops");
        var cmd = new Command("mcp", "Serve the Fastband tools to an MCP client over stdio, as the agent named by --agent or FASTBAND_AGENT (docs/mcp.md).") { role };
        // The server writes the protocol on stdout and its notes on stderr; the outcome is empty so Run writes nothing after it.
        cmd.SetAction(p => Run.WithOptions(p, options => new Outcome(null, "", Serve(options, p.GetValue(role)))));
        return cmd;
    }

    private static int Serve(ProjectOptions options, string? role)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "mcp");
        string entry = Path.Combine(folder, "Fastband.Mcp.dll");
        if (!File.Exists(entry))
            throw new FastbandException(FailureKind.Failed, "McpServerMissing",
                $"The MCP server is not installed beside fastband ({entry} is missing): rebuild the CLI (./fastband does it, or dotnet publish src/Fastband.Cli).");
        var serve = new McpLoadContext(folder).LoadFromAssemblyPath(entry)
            .GetType("Fastband.Mcp.FastbandMcpServer", throwOnError: true)!
            .GetMethod("Serve", BindingFlags.Public | BindingFlags.Static)!;
        try
        {
            return (int)serve.Invoke(null, new object?[] { options, role, Console.Error })!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException); // a FastbandException keeps its exit code
            throw;
        }
    }
}

/// <summary>
/// Loads the MCP server and its packages from mcp/. Fastband.Core is shared with the CLI (the server takes the CLI's
/// ProjectOptions, and Core's exceptions reach the CLI's exit-code table). Any other assembly the runtime or the CLI
/// already has in a new-enough version comes from there (on .NET 10 the runtime's ReadyToRun System.Text.Json);
/// only what is missing or older (on .NET 8: System.Text.Json 10) loads from mcp/.
/// </summary>
internal sealed class McpLoadContext(string folder) : AssemblyLoadContext("fastband-mcp")
{
    private static readonly Lazy<Dictionary<string, string>> Platform = new(() =>
        ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase));

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name is null || name.Name == "Fastband.Core") return null;
        string local = Path.Combine(folder, name.Name + ".dll");
        if (!File.Exists(local)) return null;
        if (Platform.Value.TryGetValue(name.Name, out var shared) && name.Version is { } wanted
            && AssemblyName.GetAssemblyName(shared).Version is { } have && have >= wanted)
            return null;
        return LoadFromAssemblyPath(local);
    }
}
