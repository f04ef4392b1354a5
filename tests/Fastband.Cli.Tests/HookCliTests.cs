using System.Text.Json;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// <c>fastband hook pre-tool-use</c> fed the payloads Claude Code documents for its PreToolUse hook: Edit, Write,
/// MultiEdit (file_path) and NotebookEdit (notebook_path), with session_id, cwd and hook_event_name beside them.
/// Exit 2 blocks the call and its stderr reaches the model; exit 0 lets it through.
/// </summary>
public sealed class HookCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Payload(string tool, object input, string? cwd = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["session_id"] = "abc123",
        ["transcript_path"] = "/tmp/transcript.jsonl",
        ["cwd"] = cwd ?? _cli.Root,
        ["permission_mode"] = "default",
        ["hook_event_name"] = "PreToolUse",
        ["tool_name"] = tool,
        ["tool_input"] = input,
    });

    private object EditOf(string path) => new { file_path = Path.Combine(_cli.Root, path), old_string = "a", new_string = "b" };

    private CliRunner.Result Hook(string agent, string payload, params string[] extra) =>
        _cli.Pipe(payload, null, null, new[] { "hook", "pre-tool-use", "--agent", agent }.Concat(extra).ToArray());

    private void Init() => Assert.Equal(0, _cli.As("ops", "ops", "write", "--type", "general", "--message", "project started").ExitCode);

    [Fact]
    public void An_edit_with_nothing_in_the_way_exits_0_silently()
    {
        Init();
        var r = Hook("A", Payload("Edit", EditOf("src/a.cs")));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void A_hold_blocks_every_kind_of_edit_with_exit_2_and_one_sentence_naming_it_then_the_lift_lets_them_through()
    {
        Init();
        Assert.Equal(0, _cli.As("ops", "ops", "hold", "Database migration in progress").ExitCode);
        var payloads = new[]
        {
            Payload("Edit", EditOf("src/a.cs")),
            Payload("Write", new { file_path = Path.Combine(_cli.Root, "src/new.cs"), content = "class X {}" }),
            Payload("MultiEdit", new { file_path = Path.Combine(_cli.Root, "src/a.cs"), edits = new[] { new { old_string = "a", new_string = "b" } } }),
            Payload("NotebookEdit", new { notebook_path = Path.Combine(_cli.Root, "nb/analysis.ipynb"), cell_id = "c1", new_source = "print(1)" }),
        };
        foreach (var p in payloads)
        {
            var r = Hook("A", p);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("Database migration in progress", r.Stderr);
            Assert.Contains("hold", r.Stderr);
            Assert.Single(r.Stderr.TrimEnd().Split('\n'));
        }
        // Reading is never blocked, and a clearance for the agent lets its edits through.
        Assert.Equal(0, Hook("A", Payload("Read", new { file_path = Path.Combine(_cli.Root, "src/a.cs") })).ExitCode);
        Assert.Equal(0, _cli.As("ops", "ops", "lift", "done").ExitCode);
        foreach (var p in payloads) Assert.Equal(0, Hook("A", p).ExitCode);
    }

    [Fact]
    public void Another_agents_exclusive_lock_blocks_the_edit_but_not_its_own_edits_a_shared_lock_or_other_files()
    {
        Init();
        Assert.Equal(0, _cli.As("B", "lock", "acquire", "src/core", "--reason", "refactoring the core").ExitCode);
        var blocked = Hook("A", Payload("Edit", EditOf("src/core/store.cs")));
        Assert.True(blocked.ExitCode == 2, blocked.ToString());
        Assert.Contains("B holds it under an exclusive lock", blocked.Stderr);
        Assert.Contains("refactoring the core", blocked.Stderr);
        Assert.Contains("src/core/store.cs", blocked.Stderr);

        Assert.Equal(0, Hook("B", Payload("Edit", EditOf("src/core/store.cs"))).ExitCode);   // the holder itself
        Assert.Equal(0, Hook("A", Payload("Edit", EditOf("src/ui/view.cs"))).ExitCode);      // a file outside the lock
        Assert.Equal(0, _cli.As("C", "lock", "acquire", "docs", "--shared").ExitCode);
        Assert.Equal(0, Hook("A", Payload("Write", new { file_path = Path.Combine(_cli.Root, "docs/x.md"), content = "x" })).ExitCode);

        Assert.Equal(0, _cli.As("B", "lock", "release", "src/core").ExitCode);
        Assert.Equal(0, Hook("A", Payload("Edit", EditOf("src/core/store.cs"))).ExitCode);
    }

    [Fact]
    public void A_relative_path_is_read_from_the_payloads_cwd_and_a_file_outside_the_project_is_not_guarded()
    {
        Init();
        Assert.Equal(0, _cli.As("B", "lock", "acquire", "src").ExitCode);
        Directory.CreateDirectory(Path.Combine(_cli.Root, "src"));
        var relative = Hook("A", Payload("Edit", new { file_path = "lib.cs", old_string = "a", new_string = "b" }, cwd: Path.Combine(_cli.Root, "src")));
        Assert.True(relative.ExitCode == 2, relative.ToString());
        Assert.Contains("src/lib.cs", relative.Stderr);

        var outside = Hook("A", Payload("Write", new { file_path = "/tmp/elsewhere.txt", content = "x" }));
        Assert.True(outside.ExitCode == 0, outside.ToString());
        var json = _cli.Pipe(Payload("Write", new { file_path = "/tmp/elsewhere.txt", content = "x" }), null, null, "hook", "pre-tool-use", "--agent", "A", "--json");
        Assert.True(json.Json.GetProperty("notAnEdit").GetBoolean(), json.ToString());
    }

    [Fact]
    public void The_verdict_in_json_carries_the_holders_for_a_script()
    {
        Init();
        Assert.Equal(0, _cli.As("B", "lock", "acquire", "src/a.cs").ExitCode);
        var r = _cli.Pipe(Payload("Edit", EditOf("src/a.cs")), null, null, "hook", "pre-tool-use", "--agent", "A", "--json");
        Assert.Equal(2, r.ExitCode);
        var v = r.Json;
        Assert.False(v.GetProperty("allowed").GetBoolean());
        Assert.Equal("Edit", v.GetProperty("tool").GetString());
        Assert.Equal("src/a.cs", v.GetProperty("paths")[0].GetString());
        Assert.Equal("B", v.GetProperty("blockingLeases")[0].GetProperty("agent").GetString());
    }

    [Theory]
    [InlineData("not json at all", "not valid JSON")]
    [InlineData("[1,2]", "not an object")]
    [InlineData("{\"tool_input\":{}}", "no tool_name")]
    [InlineData("", "nothing on stdin")]
    public void A_malformed_payload_is_named_in_one_sentence_and_by_default_lets_the_call_through_with_exit_1(string payload, string words)
    {
        Init();
        var open = Hook("A", payload);
        Assert.True(open.ExitCode == 1, open.ToString());
        Assert.Contains(words, open.Stderr);
        Assert.Contains("letting it through", open.Stderr);
        var closed = Hook("A", payload, "--fail-closed");
        Assert.True(closed.ExitCode == 2, closed.ToString());
        Assert.Contains(words, closed.Stderr);
    }

    [Fact]
    public void In_a_folder_without_a_store_the_hook_creates_nothing_and_says_so()
    {
        var r = Hook("A", Payload("Edit", EditOf("src/a.cs")));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("fastband init", r.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_cli.Root, ".fastband")));
        Assert.Equal(2, Hook("A", Payload("Edit", EditOf("src/a.cs")), "--fail-closed").ExitCode);
    }
}
