using System.Diagnostics;
using System.Text.Json;
using Fastband.Core.Tests;
using Xunit;

namespace Fastband.Cli.Tests;

public sealed class LockCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private JsonElement Acquire(string agent, params string[] args)
    {
        var r = _cli.As(agent, new[] { "lock", "acquire", "--json" }.Concat(args).ToArray());
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Json.GetProperty("lease");
    }

    [Fact]
    public void A_lease_taken_by_one_short_call_outlives_it_and_refuses_others_with_exit_3()
    {
        var lease = Acquire("A", "src/a.cs", "docs", "--reason", "refactor");
        foreach (var field in new[] { "leaseId", "fencingToken", "resources", "agent", "host", "expiresAt", "acquiredAt", "mode" })
            Assert.True(lease.TryGetProperty(field, out _), $"missing {field}");

        var refused = _cli.As("B", "lock", "acquire", "src", "--json");
        Assert.Equal(3, refused.ExitCode);
        Assert.False(refused.Json.GetProperty("granted").GetBoolean());
        var conflict = refused.Json.GetProperty("conflicts")[0];
        Assert.Equal("A", conflict.GetProperty("agent").GetString());
        Assert.Equal(lease.GetProperty("leaseId").GetString(), conflict.GetProperty("leaseId").GetString());

        Assert.Equal(3, _cli.As("B", "lock", "check", "docs/x.md").ExitCode);
        Assert.Equal(0, _cli.As("B", "lock", "check", "tests").ExitCode);
        Assert.Contains("held by A", _cli.Run("board").Stdout);
    }

    [Fact]
    public void A_lease_tied_to_owner_pid_ends_when_that_process_is_killed()
    {
        using (var harness = ChildProcess.Start(new ProcessStartInfo("sleep", "120")))
        {
            Acquire("A", "db", "--owner-pid", harness.Id.ToString());
            Assert.Equal(3, _cli.As("B", "lock", "acquire", "db").ExitCode);
            harness.Kill();
            var r = _cli.As("B", "lock", "acquire", "db", "--json");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("process-dead", r.Json.GetProperty("reclaimed")[0].GetProperty("why").GetString());
        }
        Assert.Equal(2, _cli.As("A", "lock", "acquire", "x", "--owner-pid", "2147483000").ExitCode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("2147483000")]
    public void An_owner_pid_that_names_no_live_process_exits_2_in_one_sentence_and_takes_nothing(string pid)
    {
        var r = _cli.As("A", "lock", "acquire", "x", "--owner-pid=" + pid);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains(pid, r.Stderr);
        Assert.Equal("", r.Stdout);
        Assert.Contains("No locks held", _cli.Run("lock", "list").Stdout);
        Assert.Equal(0, _cli.As("B", "lock", "acquire", "x").ExitCode);
    }

    [Fact]
    public void Releasing_another_agents_lease_exits_3_and_points_to_lock_break()
    {
        string id = Acquire("A", "src").GetProperty("leaseId").GetString()!;
        var r = _cli.As("B", "lock", "release", "--lease", id);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Equal($"fastband: Lease {id} is held by A: use lock break with a reason.", r.Stderr.Trim());
        Assert.Equal(3, _cli.As("B", "lock", "acquire", "src/a.cs").ExitCode);
        Assert.Equal(0, _cli.As("A", "lock", "release", "--lease", id).ExitCode);
        Assert.Equal(0, _cli.As("A", "lock", "release", "--lease", id).ExitCode);
    }

    [Fact]
    public void Breaking_invalidates_the_old_token_and_tells_the_holder()
    {
        var lease = Acquire("A", "src");
        string id = lease.GetProperty("leaseId").GetString()!;
        string token = lease.GetProperty("fencingToken").GetInt64().ToString();
        Assert.Equal(0, _cli.Run("lock", "validate", "--lease", id, "--token", token).ExitCode);

        Assert.Equal(2, _cli.As("B", "lock", "break", "src").ExitCode); // no --reason
        var broken = _cli.As("B", "lock", "break", "src/x.cs", "--reason", "A is unresponsive", "--json");
        Assert.Equal(0, broken.ExitCode);
        Assert.True(broken.Json.GetProperty("newFencingToken").GetInt64() > long.Parse(token));

        var check = _cli.Run("lock", "validate", "--lease", id, "--token", token);
        Assert.Equal(3, check.ExitCode);
        Assert.Contains("broken", check.Stdout);
        Assert.Equal(3, _cli.As("A", "lock", "renew", "--lease", id).ExitCode);
        Assert.Contains("A is unresponsive", _cli.As("A", "msg", "read").Stdout);
        Assert.Contains("LOCK BROKEN", _cli.Run("ops", "read").Stdout);
        Assert.Equal(4, _cli.As("B", "lock", "break", "src", "--reason", "again").ExitCode);
    }

    [Fact]
    public void Release_by_lease_or_by_path_and_twice_is_harmless()
    {
        string id = Acquire("A", "a.txt", "b.txt").GetProperty("leaseId").GetString()!;
        var byPath = _cli.As("A", "lock", "release", "a.txt", "--json");
        Assert.Equal(0, byPath.ExitCode);
        Assert.Equal("a.txt", byPath.Json.GetProperty("resources")[0].GetString());
        Assert.Equal(0, _cli.As("B", "lock", "acquire", "a.txt").ExitCode);
        Assert.Equal(3, _cli.As("B", "lock", "acquire", "b.txt").ExitCode);

        Assert.Equal(0, _cli.As("A", "lock", "release", "--lease", id).ExitCode);
        var twice = _cli.As("A", "lock", "release", "--lease", id, "--json");
        Assert.Equal(0, twice.ExitCode);
        Assert.False(twice.Json.GetProperty("released").GetBoolean());
        Assert.Equal(2, _cli.As("A", "lock", "release").ExitCode);
        Assert.Equal(2, _cli.As("A", "lock", "release", "--lease", id, "b.txt").ExitCode);
    }

    [Fact]
    public void A_waiter_gets_the_lock_when_the_holder_releases()
    {
        string id = Acquire("A", "q.txt").GetProperty("leaseId").GetString()!;
        using var waiter = _cli.Start(new[] { "--agent", "B", "lock", "acquire", "q.txt", "--wait", "120s" });
        Assert.True(SpinWait.SpinUntil(() => _cli.Run("lock", "list", "--json").Json.GetProperty("waiters").GetArrayLength() == 1, TimeSpan.FromSeconds(60)),
            "gave up after 60 s waiting for B's lock acquire to show as a waiter in lock list");
        Assert.Contains("waiting #", _cli.Run("lock", "list").Stdout);
        Assert.False(waiter.HasExited);
        Assert.Equal(0, _cli.As("A", "lock", "release", "--lease", id).ExitCode);
        waiter.WaitForExit("B's waiting lock acquire to return after A released", TimeSpan.FromSeconds(60));
        Assert.Equal(0, waiter.ExitCode);
        Assert.Equal("B", _cli.Run("lock", "list", "--json").Json.GetProperty("leases")[0].GetProperty("agent").GetString());
    }

    [Fact]
    public void A_hold_refuses_acquisition_with_exit_3()
    {
        _cli.As("ops", "ops", "hold", "freeze");
        var r = _cli.As("A", "lock", "acquire", "x");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("freeze", r.Stderr);
        Assert.Contains("No locks held", _cli.Run("lock", "list").Stdout);
    }

    [Fact]
    public void Handoff_requests_reach_the_holder_and_need_one()
    {
        Acquire("A", "api");
        Assert.Equal(0, _cli.As("B", "lock", "request-handoff", "api/x.cs", "--message", "need the client").ExitCode);
        var inbox = _cli.As("A", "msg", "read", "--json").Json;
        Assert.Equal("handoff_request", inbox[0].GetProperty("kind").GetString());
        Assert.Equal(4, _cli.As("B", "lock", "request-handoff", "web").ExitCode);
    }

    [Fact]
    public void Expired_leases_are_cleaned_up_and_listed()
    {
        Acquire("A", "tmp.txt", "--ttl", "1s");
        Thread.Sleep(1300);
        var r = _cli.Run("lock", "cleanup", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("expired", r.Json[0].GetProperty("why").GetString());
        Assert.Equal(0, _cli.Run("lock", "cleanup", "--json").Json.GetArrayLength());
    }

    [Theory]
    [InlineData("lock", "acquire", "../outside")]
    [InlineData("lock", "acquire", "x", "--ttl", "forever")]
    [InlineData("lock", "acquire")]
    [InlineData("lock", "validate", "--lease", "lease-1", "--token", "abc")]
    public void Bad_lock_input_exits_2_and_takes_nothing(params string[] args)
    {
        _cli.CreateStore();
        var r = _cli.As("A", args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.StartsWith("fastband: ", r.Stderr);
        Assert.Contains("No locks held", _cli.Run("lock", "list").Stdout);
    }
}
