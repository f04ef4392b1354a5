using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>What the CLI reads from files and arguments cannot crash it, exhaust its memory or pull in other files.</summary>
public sealed class InputSafetyCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>
    /// A heap limit the process cannot outgrow: a parser that expanded the aliases would fail here
    /// (out of memory) instead of taking the machine's memory.
    /// </summary>
    private static readonly Dictionary<string, string> SmallHeap = new() { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };

    private const string SelfReference = "# settings\nopsLog: &loop\n  retentionDays: *loop\n";

    /// <summary>Nine levels of nine aliases ("billion laughs").</summary>
    private static string BillionLaughs(string firstKey) =>
        "# settings\n" + firstKey + ": &l0 [" + string.Join(", ", Enumerable.Repeat("\"lol\"", 9)) + "]\n"
        + string.Concat(Enumerable.Range(1, 9).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 9))}]\n"));

    private CliRunner.Result WithStateFile(string name, string text, params string[] args)
    {
        string state = Path.Combine(_cli.Root, ".fastband");
        Directory.CreateDirectory(state);
        File.WriteAllText(Path.Combine(state, name), text);
        return _cli.RunIn(null, SmallHeap, new[] { "--agent", "a" }.Concat(args).ToArray());
    }

    private static void AssertOneSentence(CliRunner.Result r, string expected)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal("fastband: " + expected, r.Stderr.Trim());
    }

    [Fact]
    public void A_self_referencing_alias_in_config_yaml_is_refused_in_one_sentence_not_a_crash() =>
        AssertOneSentence(WithStateFile("config.yaml", SelfReference, "ops", "read"),
            "YAML anchors and aliases are not supported in .fastband/config.yaml (line 2): write the value out.");

    [Fact]
    public void Nested_aliases_in_config_yaml_are_refused_in_one_sentence_without_expanding_them() =>
        AssertOneSentence(WithStateFile("config.yaml", BillionLaughs("opsLog"), "ops", "read"),
            "YAML anchors and aliases are not supported in .fastband/config.yaml (line 2): write the value out.");

    [Fact]
    public void A_self_referencing_alias_in_backup_config_yaml_is_refused_in_one_sentence() =>
        AssertOneSentence(WithStateFile("backup_config.yaml", "# backups\nexclude_patterns: &p [\"*.log\", *p]\n", "backup", "create"),
            "YAML anchors and aliases are not supported in .fastband/backup_config.yaml (line 2): write the value out.");

    [Fact]
    public void Nested_aliases_in_backup_config_yaml_are_refused_in_one_sentence() =>
        AssertOneSentence(WithStateFile("backup_config.yaml", BillionLaughs("exclude_patterns"), "backup", "create"),
            "YAML anchors and aliases are not supported in .fastband/backup_config.yaml (line 2): write the value out.");

    [Fact]
    public void A_message_starting_with_at_is_stored_as_written()
    {
        var r = _cli.As("a", "ops", "write", "--type", "general", "--message", "@alice please review");
        Assert.True(r.ExitCode == 0, r.ToString());
        var entry = _cli.Run("ops", "read", "--json").Json[0];
        Assert.Equal("@alice please review", entry.GetProperty("message").GetString());
    }

    [Fact]
    public void An_at_path_argument_is_not_read_as_a_response_file()
    {
        string secret = Path.Combine(_cli.Root, "secret.txt");
        File.WriteAllText(secret, "hunter2-top-secret");
        var r = _cli.As("a", "ops", "write", "--type", "general", "--message", "@" + secret);
        Assert.True(r.ExitCode == 0, r.ToString());
        string log = _cli.Run("ops", "read", "--json").Stdout;
        Assert.DoesNotContain("hunter2-top-secret", log);
        Assert.Equal("@" + secret, _cli.Run("ops", "read", "--json").Json[0].GetProperty("message").GetString());

        // Nor in place of a command: "@file" holding "ops write ..." is an unknown command, not a command line.
        File.WriteAllText(secret, "ops write --type general --message injected");
        var injected = _cli.As("a", "@" + secret);
        Assert.Equal(2, injected.ExitCode);
        Assert.DoesNotContain("injected", _cli.Run("ops", "read", "--json").Stdout);
    }
}
