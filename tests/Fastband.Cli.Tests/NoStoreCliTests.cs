using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// A command that only reads, run where there is no store, says so (exit 4, one sentence naming 'fastband init'
/// and --project) and leaves the folder as it was: an empty store made up on the spot would answer every question
/// with "nothing", and 'ops check' with a false all-clear.
/// </summary>
public sealed class NoStoreCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string> ReadingCommands => new()
    {
        "ops check", "ops check --ticket 12", "ops read", "ops directive", "ops rebuilds", "agents list", "agents status",
        "tickets conflicts --ticket 12", "lock list", "lock check src/a.cs", "board", "leader show", "leader history",
        "events read", "events cursor", "issue list", "issue ready", "fix list", "audit", "session list", "store info", "health",
        "alerts list", "git checkpoints",
    };

    [Theory]
    [MemberData(nameof(ReadingCommands))]
    public void A_read_outside_any_project_exits_4_naming_init_and_creates_nothing(string command)
    {
        var r = _cli.As("A", command.Split(' '));
        Assert.True(r.ExitCode == 4, $"{command}: {r}");
        Assert.Contains("fastband init", r.Stderr);
        Assert.Contains("--project", r.Stderr);
        Assert.Single(r.Stderr.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(_cli.Root, ".fastband")), $"{command} created .fastband/");
    }

    [Fact]
    public void Ops_check_answers_from_the_real_store_once_there_is_one()
    {
        Assert.Equal(4, _cli.As("A", "ops", "check").ExitCode);
        Assert.Equal(0, _cli.As("ops", "ops", "hold", "freeze").ExitCode);      // a write creates the store
        var r = _cli.As("A", "ops", "check");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("freeze", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void A_read_from_a_subfolder_finds_the_project_above_it()
    {
        Assert.Equal(0, _cli.As("A", "ops", "write", "--type", "general", "--message", "hello").ExitCode);
        string sub = Directory.CreateDirectory(Path.Combine(_cli.Root, "src", "deep")).FullName;
        var r = _cli.RunIn(sub, null, "--agent", "A", "ops", "check");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(Directory.Exists(Path.Combine(sub, ".fastband")));
    }
}
