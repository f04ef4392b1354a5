using System.Diagnostics;
using Fastband.Core.Tests;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// `fastband completion bash` sourced in a real bash, asked for completions the way bash asks when Tab is pressed
/// (COMP_LINE, COMP_POINT, COMP_WORDS): commands, options, and the agents, issues, leases and backups that exist.
/// </summary>
public sealed class CompletionCliTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _bin;

    public CompletionCliTests()
    {
        // bash runs `fastband` by name, as a user would: a fastband on PATH that is the CLI under test.
        _bin = _cli.Root + "-bin";
        Directory.CreateDirectory(_bin);
        string fastband = Path.Combine(_bin, "fastband");
        File.WriteAllText(fastband, "#!/bin/sh\nexec " + CliRunner.ShellCommand + " \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fastband, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose()
    {
        _cli.Dispose();
        try { Directory.Delete(_bin, recursive: true); } catch (IOException) { }
    }

    /// <summary>What the sourced script offers for <paramref name="line"/> with the cursor at its end.</summary>
    private string[] Complete(string line, string? cwd = null)
    {
        string words = string.Join(' ', line.Split(' ').Select(w => $"'{w}'"));
        string script = $$"""
            source <(fastband completion bash) || exit 9
            COMP_LINE='{{line}}'
            COMP_POINT=${#COMP_LINE}
            COMP_WORDS=({{words}})
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            _fastband_complete
            printf '%s\n' "${COMPREPLY[@]}"
            """;
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = cwd ?? _cli.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.Environment["PATH"] = _bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        foreach (var key in new[] { "FASTBAND_AGENT", "FASTBAND_PROJECT", "AGENT_ID" }) psi.Environment.Remove(key);
        var r = ChildProcess.Run(psi);
        Assert.True(r.ExitCode == 0, $"bash exited {r.ExitCode}: {r.Stderr}");
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void Commands_and_options_complete_from_the_command_tree()
    {
        Assert.Contains("lock", Complete("fastband lo"));
        Assert.Contains("acquire", Complete("fastband lock ac"));
        var options = Complete("fastband ops read --fo");
        Assert.Equal(new[] { "--follow" }, options);
        Assert.DoesNotContain(Complete("fastband ops "), c => c.StartsWith('/'));
    }

    [Fact]
    public void Agents_issues_leases_and_backups_complete_with_what_exists()
    {
        Assert.Equal(0, _cli.As("alice", "ops", "write", "--type", "general", "--message", "alice is here").ExitCode);
        Assert.Equal(0, _cli.As("bob", "ops", "write", "--type", "general", "--message", "bob is here").ExitCode);
        Assert.Equal(0, _cli.As("alice", "issue", "new", "--title", "The parser drops the last line").ExitCode);
        var lease = _cli.Run("--agent", "alice", "--json", "lock", "acquire", "src/a.txt");
        Assert.True(lease.ExitCode == 0, lease.ToString());
        string leaseId = lease.Json.GetProperty("lease").GetProperty("leaseId").GetString()!;
        File.WriteAllText(Path.Combine(_cli.Root, "app.py"), "print('hi')\n");
        var backup = _cli.Run("--agent", "alice", "--json", "backup", "create", "--components", "code");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        string backupId = backup.Json.GetProperty("backup").GetProperty("id").GetString()!;

        Assert.Equal(new[] { "alice", "bob" }, Complete("fastband msg send --to "));
        Assert.Equal(new[] { "bob" }, Complete("fastband msg send --to b"));
        Assert.Contains("issue_001", Complete("fastband issue claim "));
        Assert.Equal(new[] { leaseId }, Complete("fastband lock release --lease lease-"));
        Assert.Contains(backupId, Complete("fastband backup restore "));
        Assert.Contains("latest", Complete("fastband backup verify "));
    }

    [Fact]
    public void A_completion_outside_any_project_offers_no_values_and_creates_nothing()
    {
        string empty = _cli.Root + "-empty";
        Directory.CreateDirectory(empty);
        try
        {
            Assert.Empty(Complete("fastband msg send --to ", empty));
            Assert.False(Directory.Exists(Path.Combine(empty, ".fastband")));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Theory]
    [InlineData("zsh", "compdef _fastband_complete fastband")]
    [InlineData("fish", "complete -c fastband -f -a '(__fastband_complete)'")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName fastband")]
    public void Every_shell_gets_a_script_that_asks_the_cli(string shell, string registers)
    {
        var r = _cli.Run("completion", shell);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(registers, r.Stdout);
        Assert.Contains("[suggest:", r.Stdout);
    }

    [Fact]
    public void An_unknown_shell_is_refused_with_the_ones_there_are()
    {
        var r = _cli.Run("completion", "tcsh");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tcsh", r.Stderr);
        Assert.Contains("bash", r.Stderr);
    }
}
