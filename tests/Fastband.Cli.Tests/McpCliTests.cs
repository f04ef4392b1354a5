using System.Text.Json;
using System.Text.RegularExpressions;
using Fastband.Core;
using Fastband.Core.Tests;
using Fastband.Mcp;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// <c>fastband mcp</c> as a process, spoken to in raw JSON-RPC over stdin/stdout (tests/mcp drives it with the
/// official TypeScript SDK): the refusals before it starts, a clean stdout, and the leases it gives back.
/// </summary>
public sealed class McpCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Without_an_agent_name_the_server_refuses_to_start_with_exit_2_and_one_sentence()
    {
        var r = _cli.Run("mcp", "--project", _cli.Root);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var line = Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("--agent", line);
        Assert.Contains("FASTBAND_AGENT", line);
        Assert.False(File.Exists(_cli.Db), "refused before the store was opened, so none was made");
    }

    [Fact]
    public void The_mcp_sdk_stays_out_of_the_other_commands_start_up()
    {
        // In fastband.deps.json the SDK's System.Text.Json 10 (IL only) would replace the runtime's ReadyToRun copy for
        // every command; it lives in mcp/ and loads only for `fastband mcp`.
        string deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fastband.deps.json"));
        Assert.DoesNotContain("ModelContextProtocol", deps);
        Assert.DoesNotContain("System.Text.Json/", deps);
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "mcp", "Fastband.Mcp.dll")));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "mcp", "ModelContextProtocol.Core.dll")));
    }

    [Fact]
    public void In_a_folder_without_a_store_the_server_refuses_to_start_and_says_to_run_init()
    {
        var r = _cli.Run("mcp", "--project", _cli.Root, "--agent", "alice");
        Assert.Equal(4, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("fastband init", r.Stderr);
        Assert.False(File.Exists(_cli.Db));
    }

    [Fact]
    public void An_unknown_role_is_bad_usage()
    {
        var r = _cli.Run("mcp", "--agent", "alice", "--role", "admin");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("admin", r.Stderr);
    }

    [Fact]
    public void The_tool_results_use_the_cli_exit_code_table()
    {
        foreach (var kind in Enum.GetValues<FailureKind>())
            Assert.Equal(ExitCodes.For(kind), ToolErrors.ExitCodeFor(kind));
    }

    [Fact]
    public void Tool_names_are_snake_case_and_the_ops_tools_are_only_for_the_ops_role()
    {
        Assert.All(FastbandTools.All, t => Assert.Matches("^[a-z]+(_[a-z]+)*$", t.Name));
        Assert.Equal(FastbandTools.All.Count, FastbandTools.All.Select(t => t.Name).Distinct().Count());
        var agent = FastbandTools.For(FastbandTools.AgentRole).Select(t => t.Name).ToHashSet();
        var ops = FastbandTools.For(FastbandTools.OpsRole).Select(t => t.Name).ToHashSet();
        Assert.Equal(new[] { "clearance_grant", "fix_apply", "fix_reject", "hold", "lift", "lock_break" }, ops.Except(agent).Order());
        Assert.Empty(agent.Except(ops));
    }

    [Fact]
    public void Stdout_carries_only_the_protocol_and_a_clean_disconnect_releases_the_servers_lease()
    {
        Assert.Equal(0, _cli.Run("--project", _cli.Root, "--agent", "lead", "init").ExitCode);
        using var server = _cli.Start(new[] { "mcp", "--project", _cli.Root }, env: new Dictionary<string, string> { ["FASTBAND_AGENT"] = "alice" });
        void Send(object message)
        {
            server.StandardInput.WriteLine(JsonSerializer.Serialize(message));
            server.StandardInput.Flush();
        }
        JsonElement Answer(int id)
        {
            while (true)
            {
                string? line = server.StandardOutput.ReadLine();
                Assert.NotNull(line);
                var message = JsonDocument.Parse(line).RootElement; // every stdout line is a JSON-RPC message
                Assert.Equal("2.0", message.GetProperty("jsonrpc").GetString());
                if (message.TryGetProperty("id", out var got) && got.GetInt32() == id) return message;
            }
        }
        Send(new { jsonrpc = "2.0", id = 1, method = "initialize", @params = new { protocolVersion = "2025-06-18", capabilities = new { }, clientInfo = new { name = "xunit", version = "1" } } });
        Assert.Equal("fastband", Answer(1).GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());
        Send(new { jsonrpc = "2.0", method = "notifications/initialized" });
        Send(new { jsonrpc = "2.0", id = 2, method = "tools/call", @params = new { name = "lock_acquire", arguments = new { paths = new[] { "src/a.cs" } } } });
        var result = Answer(2).GetProperty("result");
        Assert.False(result.TryGetProperty("isError", out var isError) && isError.GetBoolean(), result.ToString());
        var lease = result.GetProperty("structuredContent").GetProperty("lease");
        Assert.Equal(server.Id, lease.GetProperty("processId").GetInt32());

        var held = _cli.Run("--project", _cli.Root, "--json", "lock", "list");
        Assert.Single(held.Json.GetProperty("leases").EnumerateArray());

        server.StandardInput.Close(); // the client goes away
        Assert.True(server.Process.WaitForExit(ChildProcess.Patience), "the server exits when stdin closes");
        Assert.Equal(0, server.ExitCode);
        Assert.Equal("", server.StandardOutput.ReadToEnd().Trim());
        Assert.Matches(new Regex("released lease-"), server.StandardError.ReadToEnd());
        var after = _cli.Run("--project", _cli.Root, "--json", "lock", "list");
        Assert.Empty(after.Json.GetProperty("leases").EnumerateArray());
    }
}
