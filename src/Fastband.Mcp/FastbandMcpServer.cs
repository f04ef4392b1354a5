using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fastband.Core;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Fastband.Mcp;

/// <summary>
/// <c>fastband mcp</c>: an MCP server over stdio for one agent. One project is open for the server's life and tool
/// calls take turns on it (Core's services are built for one caller at a time); a call that may wait (wait_clearance,
/// lock_acquire with a wait) runs on a project of its own so the others keep answering. Every call passes through
/// <see cref="CallAsync"/>: the hold filter, then the tool, then the CLI's error table. The server's process owns the
/// leases it takes: they are released when the client goes away (stdin closed, SIGTERM) and reclaimable at once if
/// the process dies. While connected it sends heartbeats. stdout carries only the protocol; notes go to stderr.
/// </summary>
public sealed class FastbandMcpServer : IAsyncDisposable
{
    private readonly ProjectOptions _options;
    private readonly FastbandProject _project;
    private readonly Dictionary<string, McpToolDefinition> _tools;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly TextWriter _log;
    private Timer? _heartbeat;

    public string Role { get; }

    private FastbandMcpServer(ProjectOptions options, FastbandProject project, string role, TextWriter log)
    {
        _options = options;
        _project = project;
        Role = role;
        _log = log;
        _tools = FastbandTools.For(role).ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Opens the project for the named agent; refuses (InvalidInput, exit 2) when no agent is named anywhere.</summary>
    public static FastbandMcpServer Open(ProjectOptions options, string? role, TextWriter log)
    {
        role ??= FastbandTools.AgentRole;
        if (!FastbandTools.Roles.Contains(role))
            throw new InvalidInputException("InvalidRole", $"'{role}' is not a server role: use {string.Join(" or ", FastbandTools.Roles)}.");
        if (CallerIdentity.Resolve(options.Agent, options.Environment).IsDefaulted)
            throw new InvalidInputException("NoAgent",
                "The MCP server needs to know which agent it serves: pass --agent NAME in its args or set FASTBAND_AGENT in its env block.");
        return new FastbandMcpServer(options, FastbandProject.Open(options), role, log);
    }

    public IReadOnlyCollection<McpToolDefinition> Tools => _tools.Values;

    /// <summary>Serves stdin/stdout until the client closes stdin or <paramref name="stop"/> fires, then gives back what it holds.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        StartHeartbeats();
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "fastband", Version = typeof(FastbandMcpServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
            ServerInstructions = "Fastband coordinates the agents working on this codebase. Call start first; before changing files, "
                + "take locks with lock_acquire and release them when done; a call refused by a hold says who holds and why: "
                + "wait_clearance or request_clearance then.",
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = _tools.Values.Select(Describe).ToList() }),
                CallToolHandler = (request, cancel) => CallAsync(request.Params?.Name ?? "", request.Params?.Arguments, cancel),
            },
        };
        await using var transport = new StdioServerTransport(options);
        await using var server = McpServer.Create(transport, options);
        try
        {
            await server.RunAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static Tool Describe(McpToolDefinition t) => new()
    {
        Name = t.Name,
        Description = t.Description,
        InputSchema = t.InputSchema(),
        Annotations = new ToolAnnotations { ReadOnlyHint = t.ReadOnly, DestructiveHint = t.OpsOnly && !t.ReadOnly, OpenWorldHint = false },
    };

    /// <summary>The one path every tool call takes: the hold filter, the tool, the error table.</summary>
    public async ValueTask<CallToolResult> CallAsync(string name, IDictionary<string, JsonElement>? arguments, CancellationToken cancel)
    {
        if (!_tools.TryGetValue(name, out var tool))
        {
            bool opsOnly = FastbandTools.All.Any(t => t.Name == name && t.OpsOnly);
            return ToolErrors.Error("UnknownTool", opsOnly
                ? $"{name} is an ops tool: this server runs for the {Role} role; start one with 'fastband mcp --role ops' to use it."
                : $"There is no tool '{name}': list the tools to see what this server offers.", ToolErrors.BadUsage);
        }
        var args = new ToolArguments(name, arguments is null ? null : new Dictionary<string, JsonElement>(arguments));
        try
        {
            bool waits = tool.Waits?.Invoke(args) == true;
            if (waits)
            {
                // A private project: the wait must not stop the other tools (or the heartbeats) for its length.
                return await Task.Run(() =>
                {
                    using var own = FastbandProject.Open(_options);
                    return Guarded(tool, args, own, cancel);
                }, cancel);
            }
            await _turn.WaitAsync(cancel);
            try
            {
                return await Task.Run(() => Guarded(tool, args, _project, cancel), cancel);
            }
            finally
            {
                _turn.Release();
            }
        }
        catch (FastbandException e)
        {
            return ToolErrors.Failure(e);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw; // the client cancelled the request: the SDK answers it
        }
        catch (Exception e)
        {
            return ToolErrors.Unexpected(e);
        }
    }

    private CallToolResult Guarded(McpToolDefinition tool, ToolArguments args, FastbandProject project, CancellationToken cancel)
    {
        try
        {
            if (tool.Guard is { } guard && guard(args) is var ticket && ticket != McpToolDefinition.Unguarded)
            {
                var permission = project.Coordination.Check(null, ticket);
                if (!permission.Allowed) return HoldBlocked(tool.Name, permission);
            }
            return ToolErrors.Result(tool.Invoke(new ToolContext { Project = project, Role = Role, Cancellation = cancel }, args));
        }
        catch (FastbandException e)
        {
            return ToolErrors.Failure(e);
        }
    }

    /// <summary>A call the hold filter stopped: who holds, why, and what to do next, as text and as structured content.</summary>
    private static CallToolResult HoldBlocked(string tool, Fastband.Core.OpsLog.WorkPermission permission)
    {
        string ticketArg = permission.TicketId is null ? "" : $" with ticket {permission.TicketId}";
        string next = permission.BlockingHolds.Count > 0
            ? $"Call wait_clearance{ticketArg} to wait until it is lifted, or request_clearance (tickets, reason) to ask for an exemption; then call {tool} again."
            : $"Call wait_clearance{ticketArg} to wait until the rebuild is complete; then call {tool} again.";
        var more = new JsonObject
        {
            ["permission"] = JsonNode.Parse(FastbandJson.Serialize(permission, indented: false)),
            ["next"] = new JsonArray(permission.BlockingHolds.Count > 0 ? new JsonNode[] { "wait_clearance", "request_clearance" } : new JsonNode[] { "wait_clearance" }),
        };
        string id = permission.BlockingHolds.Count > 0 ? "HoldInForce" : "RebuildInProgress";
        var result = ToolErrors.Error(id, $"{tool} refused: {permission.Reason} {next}", ToolErrors.Blocked, more);
        return result;
    }

    // ------------------------------------------------------------------ heartbeats and leases

    /// <summary>Beats now and then well inside leader.heartbeatTimeout (every 30 s, or a third of a shorter timeout).</summary>
    private void StartHeartbeats()
    {
        var timeout = _project.Config.Leader.HeartbeatTimeout;
        var every = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, Math.Max(TimeSpan.FromSeconds(1).Ticks, timeout.Ticks / 3)));
        Beat();
        _heartbeat = new Timer(_ => Beat(), null, every, every);
    }

    private void Beat()
    {
        if (!_turn.Wait(TimeSpan.FromSeconds(10))) return; // a long call holds the project: the next beat comes soon
        try
        {
            _project.Leader.Beat();
        }
        catch (Exception e)
        {
            _log.WriteLine($"fastband mcp: heartbeat failed: {e.Message.ReplaceLineEndings(" ")}");
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Stops beating and releases the leases this process took (the client went away cleanly).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_heartbeat is not null) await _heartbeat.DisposeAsync();
        await _turn.WaitAsync();
        try
        {
            var mine = _project.Locks.List(_project.Caller.Agent).Leases
                .Where(l => l.ProcessId == Environment.ProcessId && string.Equals(l.Host, _project.Caller.Host, StringComparison.OrdinalIgnoreCase))
                .ToList();
            foreach (var lease in mine)
            {
                try
                {
                    _project.Locks.Release(lease.LeaseId);
                    _log.WriteLine($"fastband mcp: released {lease.LeaseId} ({string.Join(", ", lease.Resources)}) as the client went away.");
                }
                catch (Exception e)
                {
                    _log.WriteLine($"fastband mcp: could not release {lease.LeaseId}: {e.Message.ReplaceLineEndings(" ")}");
                }
            }
            try { _project.Leader.StopBeating(); }
            catch (Exception e) { _log.WriteLine($"fastband mcp: could not remove the heartbeat: {e.Message.ReplaceLineEndings(" ")}"); }
        }
        finally
        {
            _turn.Release();
            _project.Dispose();
        }
    }

    /// <summary>The entry point <c>fastband mcp</c> calls (through its load context): <see cref="ServeAsync"/>, waited for.</summary>
    public static int Serve(ProjectOptions options, string? role, TextWriter log) => ServeAsync(options, role, log).GetAwaiter().GetResult();

    /// <summary>The whole life of <c>fastband mcp</c>: open, serve until stdin closes or SIGTERM/SIGINT, give back, close.</summary>
    public static async Task<int> ServeAsync(ProjectOptions options, string? role, TextWriter log)
    {
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        await using var server = Open(options, role, log);
        log.WriteLine($"fastband mcp: serving {server._project.Caller.Agent} ({server.Role} role, {server.Tools.Count} tools) for {server._project.Root}.");
        await server.RunAsync(stop.Token);
        return 0;
    }
}
