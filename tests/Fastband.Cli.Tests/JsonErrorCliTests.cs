using System.Text.Json;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// Under --json a failure is a document on stdout too: {"error": {"id", "message"}, "exitCode"}, the message the
/// same sentence stderr carries, the exit code the process's own. Without --json stdout stays empty.
/// </summary>
public sealed class JsonErrorCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static void AssertReport(CliRunner.Result r, string id, int exitCode)
    {
        Assert.True(r.ExitCode == exitCode, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(new[] { "error", "exitCode" }, root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(id, root.GetProperty("error").GetProperty("id").GetString());
        Assert.Equal(exitCode, root.GetProperty("exitCode").GetInt32());
        Assert.Equal("fastband: " + root.GetProperty("error").GetProperty("message").GetString(), r.Stderr.Trim());
    }

    [Fact]
    public void A_read_without_a_store_is_a_NoStore_document_with_exit_4()
    {
        AssertReport(_cli.Run("--json", "agents", "status"), "NoStore", 4);
        Assert.False(Directory.Exists(Path.Combine(_cli.Root, ".fastband")));
    }

    [Fact]
    public void Invalid_input_is_a_document_with_its_error_id_and_exit_2()
    {
        _cli.CreateStore();
        var r = _cli.Run("--json", "--agent", "alice", "ops", "write", "--type", "statsu", "--message", "x");
        AssertReport(r, "InvalidEventType", 2);
        Assert.Contains("statsu", r.Stdout);
    }

    [Fact]
    public void A_command_line_that_does_not_parse_is_a_BadUsage_document()
    {
        var r = _cli.Run("--json", "ops", "raed");
        AssertReport(r, "BadUsage", 2);
        Assert.Contains("Did you mean 'read'?", r.Stdout);
    }

    [Fact]
    public void Without_json_a_failure_writes_nothing_on_stdout()
    {
        var r = _cli.Run("agents", "status");
        Assert.Equal(4, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith("fastband: There is no Fastband store", r.Stderr);
    }
}
