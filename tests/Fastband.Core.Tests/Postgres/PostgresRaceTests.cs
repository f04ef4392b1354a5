using Fastband.Core.Locks;
using Fastband.Core.Tests.Concurrency;
using Fastband.Core.Tests.Locks;
using Xunit;
using Xunit.Abstractions;

namespace Fastband.Core.Tests.Postgres;

/// <summary>Points a scratch project at a fresh PostgreSQL schema and drops it afterwards.</summary>
internal static class OnPostgres
{
    public static Func<TempProject, Action?> Store(string label) => dir =>
    {
        string schema = PgTestServer.UsePostgres(dir.Root, label);
        return () => PgTestServer.DropSchema(schema);
    };
}

/// <summary>Eight processes appending at once, on PostgreSQL; the negative control races an unprotected max + 1 upsert.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresAppendRaceTests : AppendRaces
{
    public PostgresAppendRaceTests(ITestOutputHelper output) : base(output, OnPostgres.Store("append")) { }

    protected override int PerWriter => 500; // a PostgreSQL append takes well under a millisecond: more of them keep the windows overlapping
}

/// <summary>Sixteen processes claiming one issue at once, on PostgreSQL; the negative control is the same read-then-write claim.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresClaimRaceTests : Fastband.Core.Tests.Issues.ClaimRaces
{
    public PostgresClaimRaceTests(ITestOutputHelper output) : base(output, OnPostgres.Store("claim")) { }

    protected override string? HostOf(int worker) => $"host-{worker % 4}"; // one store shared by processes on four claimed hosts
}

/// <summary>Eight processes campaigning at once, on PostgreSQL; the negative control looks and elects in separate writes.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresLeaderRaceTests : Fastband.Core.Tests.Leader.LeaderRaces
{
    public PostgresLeaderRaceTests(ITestOutputHelper output) : base(output, OnPostgres.Store("leaderrace")) { }

    protected override string? HostOf(int worker) => $"host-{worker % 4}"; // one store shared by processes on four claimed hosts
}

/// <summary>Six senders and two racing readers, on PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresMessageRaceTests : MessageRaces
{
    public PostgresMessageRaceTests(ITestOutputHelper output) : base(output, OnPostgres.Store("msg")) { }
}

/// <summary>
/// The lock races on PostgreSQL, and what only a shared store can show: processes that say they run on
/// different hosts (FASTBAND_HOST) share locks and holds, and a pid recorded by another host is never judged.
/// </summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresLockRaceTests : LockRaces
{
    public PostgresLockRaceTests(ITestOutputHelper output) : base(output, OnPostgres.Store("lock")) { }

    private FastbandProject OnHost(string agent, string host) => FastbandProject.Open(new ProjectOptions
    {
        ProjectPath = _dir.Root, Agent = agent, Environment = name => name == CallerIdentity.HostVariable ? host : null,
    });

    [Fact]
    public void Eight_processes_on_four_claimed_hosts_never_overlap_in_the_critical_section()
    {
        var (marks, windows) = Race("lock", 8, 15, worker => $"host-{worker % 4}");
        Assert.True(windows.Max(w => w.Start) < windows.Min(w => w.End), "the workers did not run at once");
        Assert.Equal(8 * 15 * 2, marks.Count);
        Assert.Empty(Violations(marks));
        using var p = _dir.Open("reader");
        var hosts = p.Agents.List(includeInactive: true).Where(a => a.Name.StartsWith('w')).Select(a => a.Host).Distinct().OrderBy(h => h);
        Assert.Equal(new[] { "host-0", "host-1", "host-2", "host-3" }, hosts); // the workers really claimed four hosts
    }

    [Fact]
    public void A_dead_process_s_lock_is_reclaimed_by_pid_only_on_its_own_host_and_by_TTL_elsewhere()
    {
        var (holder, leaseId, _) = Hold("crasher", ttlSeconds: 8, tied: true, host: "host-a");
        holder.Kill(); // SIGKILL: its pid is now dead on this machine, which host-b cannot know

        using var elsewhere = OnHost("other", "host-b");
        var refused = elsewhere.Locks.Acquire(new LockRequest { Resources = new[] { "shared.txt" } });
        Assert.False(refused.Granted, "host-b judged host-a's pid");
        Assert.Empty(elsewhere.Locks.Cleanup());

        // Control: a process that claims the holder's host does judge the pid, and reclaims at once.
        using var sameHost = OnHost("neighbour", "host-a");
        var check = sameHost.Locks.List();
        Assert.Empty(check.Leases); // listed as stale (process dead) from host-a's point of view
        using var elsewhereAgain = OnHost("other", "host-b");
        Assert.Single(elsewhereAgain.Locks.List().Leases); // still live from host-b's

        // And host-b gets it once the TTL ends, reclaimed as expired, not as dead.
        var granted = elsewhere.Locks.Acquire(new LockRequest { Resources = new[] { "shared.txt" }, Wait = TimeSpan.FromSeconds(30) });
        Assert.True(granted.Granted, granted.Message);
        var reclaimed = Assert.Single(granted.Reclaimed);
        Assert.Equal(leaseId, reclaimed.Lease.LeaseId);
        Assert.Equal("expired", reclaimed.Why);
    }

    [Fact]
    public void A_lock_reclaimed_on_its_own_host_when_its_process_dies()
    {
        var (holder, leaseId, _) = Hold("crasher", ttlSeconds: 3600, tied: true, host: "host-a");
        holder.Kill(); // returns once it is gone
        using var sameHost = OnHost("neighbour", "host-a");
        var r = sameHost.Locks.Acquire(new LockRequest { Resources = new[] { "shared.txt" } });
        Assert.True(r.Granted, r.Message);
        Assert.Equal("process-dead", Assert.Single(r.Reclaimed).Why);
        Assert.Equal(leaseId, r.Reclaimed[0].Lease.LeaseId);
    }

    [Fact]
    public void A_hold_posted_on_one_host_blocks_agents_on_another_until_it_is_lifted()
    {
        using var lead = OnHost("lead", "host-a");
        using var worker = OnHost("worker", "host-b");
        worker.Agents.Register();
        lead.Directives.Hold("deploy freeze", null, null);

        Assert.False(worker.Coordination.Check(null, null).Allowed);
        Assert.Throws<BlockedException>(() => worker.Locks.Acquire(new LockRequest { Resources = new[] { "src/app.cs" } }));

        lead.Directives.Lift("deploy done", null);
        Assert.True(worker.Coordination.Check(null, null).Allowed);
        Assert.True(worker.Locks.Acquire(new LockRequest { Resources = new[] { "src/app.cs" } }).Granted);
        Assert.Equal("host-b", worker.Store.Agents.Get("worker")!.Host);
    }
}
