using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Fastband.Core;

namespace Fastband.Cli;

/// <summary>
/// <c>fastband mcp</c>: the MCP server over stdio (src/Fastband.Mcp) for one agent. The server is a program of its own
/// in mcp/ beside fastband, run on the .NET runtime: the CLI is compiled ahead of time, and the MCP SDK and its
/// packages never enter the other commands' start-up. On Linux and macOS this process becomes the server (execv:
/// the client's pid, signals and pipes reach the server itself); elsewhere it starts the server and passes on its
/// exit code.
/// </summary>
internal static partial class McpCommands
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
        cmd.SetAction(p => Run.WithOptions(p, options => Outcome.None("", Serve(options, p.GetValue(role)!))));
        return cmd;
    }

    private static int Serve(ProjectOptions options, string role)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "mcp");
        string entry = Path.Combine(folder, "Fastband.Mcp.dll");
        if (!File.Exists(entry))
            throw new FastbandException(FailureKind.Failed, "McpServerMissing",
                $"The MCP server is not installed beside fastband ({entry} is missing): rebuild the CLI (./fastband does it, or dotnet publish src/Fastband.Cli).");
        var args = new List<string> { entry, "--role", role };
        if (options.ProjectPath is { } project) args.AddRange(new[] { "--project", Path.GetFullPath(project) });
        if (options.Agent is { } agent) args.AddRange(new[] { "--agent", agent });
        if (options.Session is { } session) args.AddRange(new[] { "--session", session });
        string host = DotnetHost();
        if (!OperatingSystem.IsWindows())
        {
            Console.Out.Flush();
            Console.Error.Flush();
            Exec(host, args); // returns only if execv failed
            throw new FastbandException(FailureKind.Failed, "McpServerNotStarted",
                $"Could not start the MCP server with {host} (errno {Marshal.GetLastPInvokeError()}): check that the .NET runtime is installed (dotnet --info).");
        }
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var server = Process.Start(start)!;
        server.WaitForExit();
        return server.ExitCode;
    }

    /// <summary>The dotnet host: DOTNET_HOST_PATH (set by the SDK), the running one under <c>dotnet fastband.dll</c>, else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } set && File.Exists(set)) return set;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        string name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (string? dir in new[] { Environment.GetEnvironmentVariable("DOTNET_ROOT"), "/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet" })
        {
            if (string.IsNullOrEmpty(dir)) continue;
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FastbandException(FailureKind.Failed, "McpRuntimeMissing",
            "The MCP server runs on the .NET runtime, and no dotnet was found (PATH, DOTNET_ROOT): install the .NET 8 runtime or later.");
    }

    private static unsafe void Exec(string path, IReadOnlyList<string> args)
    {
        var argv = new IntPtr[args.Count + 2];
        argv[0] = Marshal.StringToCoTaskMemUTF8(path);
        for (int i = 0; i < args.Count; i++) argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        IntPtr file = Marshal.StringToCoTaskMemUTF8(path);
        fixed (IntPtr* p = argv) execv(file, p);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int execv(IntPtr path, IntPtr* argv);
}
