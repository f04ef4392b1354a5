using System.Reflection;
using System.Text.Json;
using Fastband.Core.Board;
using Fastband.Core.Messaging;
using Fastband.Core.Tests;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>The status board and messages, end to end through the real fastband executable.</summary>
public sealed class MessagingCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static IEnumerable<string> CamelCaseProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).OrderBy(n => n, StringComparer.Ordinal);

    private static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal);

    private void Register(string agent) => Assert.Equal(0, _cli.As(agent, "agents", "register").ExitCode);

    [Fact]
    public void Send_to_an_unknown_agent_exits_4_and_writes_nothing()
    {
        Register("alice");
        var r = _cli.As("bob", "msg", "send", "--to", "carol", "--message", "hello");
        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Contains("No agent named 'carol'", r.Stderr);
        Assert.Contains("alice", r.Stderr);
        Assert.Equal("", r.Stdout);
        Assert.Equal(0, _cli.As("carol", "msg", "read", "--all", "--json").Json.GetArrayLength());
    }

    [Fact]
    public void A_bad_kind_or_status_exits_2_naming_the_valid_ones()
    {
        Register("alice");
        var kind = _cli.As("bob", "msg", "send", "--to", "alice", "--message", "x", "--kind", "gossip");
        Assert.True(kind.ExitCode == 2, kind.ToString());
        Assert.Contains("handoff_request", kind.Stderr);
        var status = _cli.As("bob", "status", "set", "--status", "done");
        Assert.True(status.ExitCode == 2, status.ToString());
        Assert.Contains("in_progress", status.Stderr);
        Assert.Equal(0, _cli.As("alice", "msg", "read", "--all", "--json").Json.GetArrayLength());
    }

    [Fact]
    public void Send_read_ack_round_trip_with_sequence_numbers_and_json_named_like_the_cmdlet_objects()
    {
        Register("alice");
        var sent = _cli.As("bob", "msg", "send", "--to", "alice", "--message", "Please release base.html", "--kind", "handoff_request", "--thread", "h-1205", "--json");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.Equal(CamelCaseProperties(typeof(Message)), Names(sent.Json));
        Assert.Equal(1, sent.Json.GetProperty("seq").GetInt64());
        Assert.Equal("alice", sent.Json.GetProperty("recipient").GetString());
        Assert.Equal("bob", sent.Json.GetProperty("sender").GetString());
        Assert.Equal("handoff_request", sent.Json.GetProperty("kind").GetString());
        Assert.Equal("h-1205", sent.Json.GetProperty("thread").GetString());
        Assert.Equal(2, _cli.As("bob", "msg", "send", "--to", "alice", "--message", "second", "--json").Json.GetProperty("seq").GetInt64());

        var text = _cli.As("alice", "msg", "read");
        Assert.Equal(0, text.ExitCode);
        var lines = text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("#1 [bob]", lines[0]);
        Assert.Contains("handoff_request [thread h-1205] Please release base.html", lines[0]);

        var unread = _cli.As("alice", "msg", "read", "--json").Json;
        Assert.Equal(new[] { 1L, 2L }, unread.EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
        long firstId = unread[0].GetProperty("id").GetInt64();

        var ack = _cli.As("alice", "msg", "ack", firstId.ToString(), "--json");
        Assert.True(ack.ExitCode == 0, ack.ToString());
        Assert.Equal(CamelCaseProperties(typeof(MessageAckResult)), Names(ack.Json));
        Assert.Equal(1, ack.Json.GetProperty("cursor").GetInt64());
        Assert.Equal(new[] { "second" }, _cli.As("alice", "msg", "read", "--json").Json.EnumerateArray().Select(m => m.GetProperty("body").GetString()));

        var taken = _cli.As("alice", "msg", "read", "--ack", "--json").Json;
        Assert.True(Assert.Single(taken.EnumerateArray()).GetProperty("isAcknowledged").GetBoolean());
        Assert.Equal("No unread messages.", _cli.As("alice", "msg", "read").Stdout.Trim());
        Assert.Equal(2, _cli.As("alice", "msg", "read", "--all", "--json").Json.GetArrayLength());
        Assert.Equal(0, _cli.As("alice", "msg", "ack", firstId.ToString()).ExitCode); // twice is harmless
    }

    [Fact]
    public void Acking_another_agents_message_exits_4_and_acks_nothing()
    {
        Register("alice");
        Register("carol");
        long forCarol = _cli.As("bob", "msg", "send", "--to", "carol", "--message", "for carol", "--json").Json.GetProperty("id").GetInt64();
        long forAlice = _cli.As("bob", "msg", "send", "--to", "alice", "--message", "for alice", "--json").Json.GetProperty("id").GetInt64();

        var r = _cli.As("alice", "msg", "ack", forAlice.ToString(), forCarol.ToString());
        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Contains($"{forCarol}", r.Stderr);
        Assert.Equal(1, _cli.As("alice", "msg", "read", "--json").Json.GetArrayLength());
        Assert.Equal(1, _cli.As("carol", "msg", "read", "--json").Json.GetArrayLength());
        Assert.Equal(2, _cli.As("alice", "msg", "ack", "abc").ExitCode); // not an id: usage error
    }

    [Fact]
    public void Status_set_then_board_shows_sections_and_json_named_like_the_cmdlet_objects()
    {
        var set = _cli.As("alice", "status", "set", "--status", "in_progress", "--files", "src/a.cs,src/b.cs", "--ticket", "1205", "--json");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(CamelCaseProperties(typeof(AgentWorkStatus)), Names(set.Json));
        Assert.Equal(new[] { "src/a.cs", "src/b.cs" }, set.Json.GetProperty("files").EnumerateArray().Select(f => f.GetString()));

        var board = _cli.Run("board");
        Assert.True(board.ExitCode == 0, board.ToString());
        foreach (var section in new[] { "Agents:", "Active Locks:", "Recent Releases:", "Refused Acquisitions:" })
            Assert.Contains(section, board.Stdout);
        Assert.Contains("alice: in_progress on #1205 [src/a.cs, src/b.cs]", board.Stdout);

        var json = _cli.Run("board", "--json").Json;
        Assert.Equal(CamelCaseProperties(typeof(StatusBoard)), Names(json));
        var alice = Assert.Single(json.GetProperty("agents").EnumerateArray());
        Assert.Equal(CamelCaseProperties(typeof(AgentWorkStatus)), Names(alice));
        Assert.True(alice.GetProperty("isActive").GetBoolean());
        Assert.Equal(0, json.GetProperty("activeLocks").GetArrayLength());
    }

    [Fact]
    public void Twenty_cli_processes_sending_at_once_get_sequence_numbers_1_to_20()
    {
        Register("alice");
        var processes = new List<ChildProcess>();
        try
        {
            for (int i = 0; i < 20; i++)
                processes.Add(_cli.Start(new[] { "--agent", $"s{i % 4}", "msg", "send", "--to", "alice", "--message", $"m{i}", "--json" }));
            foreach (var p in processes)
            {
                p.StandardInput.Close();
                var r = p.WaitForOutput("msg send to finish", TimeSpan.FromSeconds(120));
                Assert.True(r.ExitCode == 0, r.ToString());
            }
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
        }
        var all = _cli.As("alice", "msg", "read", "--all", "--json").Json.EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), all.Select(m => m.GetProperty("seq").GetInt64()));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}").OrderBy(s => s), all.Select(m => m.GetProperty("body").GetString()!).OrderBy(s => s));
    }
}
