using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Fastband.Bench;

/// <summary>
/// <c>fastband mcp</c> against the CLI: the same three agent actions (may I work?, lock and unlock a file, send a
/// message and read it) as warm tool calls over stdio JSON-RPC to one long-lived server, driven by the official C#
/// SDK's client, and as one CLI process per command, side by side (per-action medians and their ratio; target: the
/// MCP path at least 50x faster). Also the time from starting a server to its first answer. Every call must succeed.
/// </summary>
public static class McpBench
{
    private const double TargetRatio = 50;

    public static void Run(BenchContext context, Report report)
    {
        int calls = context.Options.Int("mcp-calls", 200);
        int cliRuns = context.Options.Int("mcp-cli-runs", 20);
        int starts = context.Options.Int("mcp-starts", 10);
        if (context.PublishedCli(report, "mcp") is not { } cli) return;
        string project = context.NewDirectory("mcp-project");
        Cli(cli, project, null, "init"); // the server, like every read, wants a store that init made
        context.Log($"mcp: {cli}; {calls} warm calls per action, {cliRuns} CLI runs per action, {starts} server starts; load average {BenchContext.LoadAverage()}");
        RunAsync(context, report, cli, project, calls, cliRuns, starts).GetAwaiter().GetResult();
        context.Discard(project);
    }

    private static async Task RunAsync(BenchContext context, Report report, string cli, string project, int calls, int cliRuns, int starts)
    {
        // bob receives the messages: registered once, through his own server.
        await using (var bob = await Connect(cli, project, "bob")) await Call(bob, "start", new(), report);

        var startTimes = new List<double>();
        for (int i = 0; i < starts; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await using var fresh = await Connect(cli, project, "starter");
            await Call(fresh, "check_clearance", new(), report);
            startTimes.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        await using var alice = await Connect(cli, project, "alice");
        await Call(alice, "start", new(), report);
        for (int i = 0; i < 20; i++) await Call(alice, "check_clearance", new(), report); // warm-up: JIT, connections

        var mcpCheck = new List<double>();
        var mcpLock = new List<double>();
        var mcpMsg = new List<double>();
        for (int i = 0; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await Call(alice, "check_clearance", new(), report);
            mcpCheck.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);

            t0 = Stopwatch.GetTimestamp();
            var granted = await Call(alice, "lock_acquire", new() { ["paths"] = new[] { "src/bench.cs" } }, report);
            string lease = granted.GetProperty("lease").GetProperty("leaseId").GetString()!;
            await Call(alice, "lock_release", new() { ["lease"] = lease }, report);
            mcpLock.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);

            t0 = Stopwatch.GetTimestamp();
            await Call(alice, "msg_send", new() { ["to"] = "alice", ["message"] = $"note {i}" }, report);
            var read = await Call(alice, "msg_read", new() { ["ack"] = true }, report);
            if (read.GetProperty("items").GetArrayLength() != 1) report.Fail($"mcp: msg_read {i} did not return exactly the one message sent");
            mcpMsg.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        var cliCheck = new List<double>();
        var cliLock = new List<double>();
        var cliMsg = new List<double>();
        Cli(cli, project, report, "ops", "check"); // untimed first run
        for (int i = 0; i < cliRuns; i++)
        {
            cliCheck.Add(Cli(cli, project, report, "ops", "check").Ms);
            var acquire = Cli(cli, project, report, "--json", "lock", "acquire", "src/bench.cs");
            string lease = JsonDocument.Parse(acquire.Stdout).RootElement.GetProperty("lease").GetProperty("leaseId").GetString()!;
            cliLock.Add(acquire.Ms + Cli(cli, project, report, "lock", "release", "--lease", lease).Ms);
            cliMsg.Add(Cli(cli, project, report, "msg", "send", "--to", "alice", "--message", $"cli note {i}").Ms
                       + Cli(cli, project, report, "msg", "read", "--ack").Ms);
        }

        var start = new Samples(startTimes);
        var rows = new (string What, Samples Mcp, Samples Cli)[]
        {
            ("may I work? (`check_clearance` / `ops check`)", new Samples(mcpCheck), new Samples(cliCheck)),
            ("lock + unlock (`lock_acquire` + `lock_release` / `lock acquire` + `lock release`)", new Samples(mcpLock), new Samples(cliLock)),
            ("send + read (`msg_send` + `msg_read` / `msg send` + `msg read --ack`)", new Samples(mcpMsg), new Samples(cliMsg)),
        };
        foreach (var (what, m, c) in rows)
        {
            double ratio = c.Median / m.Median;
            context.Log($"mcp: {what}: MCP median {Fmt.Ms(m.Median)}, CLI median {Fmt.Ms(c.Median)}, {Fmt.Ratio(ratio)}");
            report.Row(new SummaryRow($"MCP warm call vs CLI processes: {what}, median", Fmt.Ms(m.Median), Fmt.Ms(c.Median), Fmt.Ratio(ratio), "≥ 50x faster", ratio >= TargetRatio));
        }
        report.Row(new SummaryRow("`fastband mcp`: server start to its first answer (initialize + one call), median", Fmt.Ms(start.Median), "", "", "(measured)", null));

        string table = string.Join("\n", rows.Select(r =>
            $"| {r.What} | {Fmt.Ms(r.Mcp.Median)} | {Fmt.Ms(r.Mcp.P95)} | {Fmt.Ms(r.Cli.Median)} | {Fmt.Ms(r.Cli.P95)} | {Fmt.Ratio(r.Cli.Median / r.Mcp.Median)} |"));
        report.Section("MCP server against CLI processes", $"""
            One `fastband mcp --agent alice` server, connected with the official C# SDK's client (ModelContextProtocol.Core
            2.4.0, McpClient over StdioClientTransport), {calls} timed rounds after 20 warm-up calls; each round times the
            three actions one after the other, from the call to its answer. The CLI column runs the same actions as
            `fastband` processes ({cli}, one process per command, timed from Process.Start to exit), {cliRuns} rounds
            after one untimed run. Every call and process must succeed, and every read must return the one message sent.

            | action | MCP median | MCP p95 | CLI median | CLI p95 | CLI / MCP (medians) |
            | --- | ---: | ---: | ---: | ---: | ---: |
            {table}

            Server start to first answer ({starts} starts: process start, initialize, one `check_clearance`):
            median {Fmt.Ms(start.Median)}, p95 {Fmt.Ms(start.P95)}, min {Fmt.Ms(start.Min)}.
            """);
    }

    private static Task<McpClient> Connect(string cli, string project, string agent) =>
        McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = $"fastband-{agent}",
            Command = cli,
            Arguments = new[] { "mcp", "--agent", agent },
            EnvironmentVariables = new Dictionary<string, string?> { ["FASTBAND_PROJECT"] = project },
        }));

    private static async Task<JsonElement> Call(McpClient client, string tool, Dictionary<string, object?> arguments, Report report)
    {
        CallToolResult result = await client.CallToolAsync(tool, arguments);
        if (result.IsError == true)
            report.Fail($"mcp: {tool} failed: {string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text))}");
        return result.StructuredContent ?? default;
    }

    private static (double Ms, string Stdout) Cli(string cli, string project, Report? report, params string[] args)
    {
        var psi = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--project", project, "--agent", "alice" }.Concat(args)) psi.ArgumentList.Add(a);
        long t0 = Stopwatch.GetTimestamp();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {cli}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (p.ExitCode != 0) (report ?? throw new InvalidOperationException($"fastband {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result.Trim()}")).Fail($"mcp: 'fastband {string.Join(' ', args)}' exited {p.ExitCode}: {stderr.Result.Trim()}");
        return (ms, stdout.Result);
    }
}
