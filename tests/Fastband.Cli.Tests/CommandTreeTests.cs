using Fastband.Cli;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// The CLI builds only the command group a command line names. These hold the shortcut to the full tree:
/// the same names, the same commands found, and everything built when the line names no group.
/// </summary>
public sealed class CommandTreeTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Every_group_is_listed_under_the_name_its_command_carries()
    {
        var names = Program.Groups.Select(g => g.Name).ToList();
        Assert.Equal(names.Distinct().Count(), names.Count);
        foreach (var (name, build) in Program.Groups)
            Assert.Equal(name, build().Name);
    }

    [Theory]
    [InlineData("backup create", "backup")]
    [InlineData("--project /x --agent a --session s backup list", "backup")]
    [InlineData("--json ops read", "ops")]
    [InlineData("--project=/x --agent:a lock list", "lock")]
    [InlineData("--help", null)]
    [InlineData("", null)]
    [InlineData("--project /x", null)]
    [InlineData("@args.rsp", null)]
    public void The_group_is_the_first_word_that_is_not_a_global_option(string line, string? group) =>
        Assert.Equal(group, Program.GroupNamed(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public void The_root_help_lists_every_group_and_a_misspelt_group_is_refused_with_usage()
    {
        var help = _cli.Run("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var (name, _) in Program.Groups) Assert.Matches($@"(?m)^\s+{name}\s", help.Stdout);

        var typo = _cli.Run("bakup", "list");
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("bakup", typo.Stderr);
        Assert.Contains("--help", typo.Stderr);

        var group = _cli.Run("--json", "backup", "--help");
        Assert.Equal(0, group.ExitCode);
        Assert.Contains("run-scheduled", group.Stdout);
    }

    [Theory]
    [InlineData("bakup list", "Unrecognized command or argument 'bakup'. Did you mean 'backup'? Run 'fastband --help' for usage.")]
    [InlineData("ops raed", "Unrecognized command or argument 'raed'. Did you mean 'read'? Run 'fastband ops --help' for usage.")]
    [InlineData("lock aquire src/a.txt", "Unrecognized command or argument 'aquire'. Did you mean 'acquire'? Run 'fastband lock --help' for usage.")]
    [InlineData("ops read --sinse 1h", "Unrecognized command or argument '--sinse'. Did you mean '--since'? Run 'fastband ops read --help' for usage.")]
    [InlineData("--agnet alice ops read", "Unrecognized command or argument '--agnet'. Did you mean '--agent'? Run 'fastband ops read --help' for usage.")]
    [InlineData("zzzz", "Unrecognized command or argument 'zzzz'. Run 'fastband --help' for usage.")]
    [InlineData("ops read --colour", "Unrecognized command or argument '--colour'. Run 'fastband ops read --help' for usage.")]
    public void A_misspelt_command_or_option_gets_the_nearest_name_and_gibberish_gets_none(string line, string expected)
    {
        var r = _cli.Run(line.Split(' '));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("fastband: " + expected, r.Stderr.Trim());
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("raed", "read", 1)]
    [InlineData("aquire", "acquire", 1)]
    [InlineData("--tpye", "--type", 1)]
    [InlineData("READ", "read", 0)]
    [InlineData("bakup", "backup", 1)]
    [InlineData("zzzz", "ops", 4)]
    public void The_distance_counts_a_swap_of_two_letters_as_one_edit_and_ignores_case(string a, string b, int edits) =>
        Assert.Equal(edits, DidYouMean.Distance(a, b));
}
