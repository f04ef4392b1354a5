using Fastband.Core.Locks;
using Xunit;

namespace Fastband.Core.Tests.Locks;

/// <summary>The handle Enter-FastbandLock returns, on the real clock (its renewal runs on a timer).</summary>
public sealed class LockHandleTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private ProjectOptions As(string agent) => new() { ProjectPath = _dir.Root, Agent = agent, Environment = _ => null };

    [Fact]
    public void Dispose_releases_the_lease_and_a_second_release_is_harmless()
    {
        var handle = LockHandle.Acquire(As("A"), new LockRequest { Resources = new[] { "x" }, TieToCaller = true });
        Assert.Equal(Environment.ProcessId, handle.Lease.ProcessId); // tied to this process, as pwsh's handle is
        using (var b = _dir.Open("B")) Assert.False(b.Locks.Acquire(new LockRequest { Resources = new[] { "x" } }).Granted);
        handle.Dispose();
        Assert.True(handle.IsReleased);
        Assert.False(handle.Release().Released);
        using (var b = _dir.Open("B")) Assert.True(b.Locks.Acquire(new LockRequest { Resources = new[] { "x" } }).Granted);
    }

    [Fact]
    public void A_refused_acquire_throws_LockRefused_with_the_conflicts()
    {
        using (var b = _dir.Open("B")) b.Locks.Acquire(new LockRequest { Resources = new[] { "x" } });
        var e = Assert.Throws<BlockedException>(() => LockHandle.Acquire(As("A"), new LockRequest { Resources = new[] { "x/y" } }));
        Assert.Equal("LockRefused", e.ErrorId);
        Assert.Contains("held by B", e.Message);
    }

    [Fact]
    public void The_handle_renews_itself_in_the_background_while_it_lives()
    {
        using var handle = LockHandle.Acquire(As("A"), new LockRequest { Resources = new[] { "x" }, Ttl = TimeSpan.FromSeconds(3) });
        var first = handle.ExpiresAt;
        Assert.True(SpinWait.SpinUntil(() => handle.ExpiresAt > first, TimeSpan.FromSeconds(10)), "the lease was never renewed");
        Thread.Sleep(3500); // past the original expiry
        using var b = _dir.Open("B");
        Assert.False(b.Locks.Acquire(new LockRequest { Resources = new[] { "x" } }).Granted);
        Assert.Null(handle.LostReason);
    }

    [Fact]
    public void Without_renewal_the_lease_lapses_and_a_broken_lease_is_reported_by_the_handle()
    {
        using var quiet = LockHandle.Acquire(As("A"), new LockRequest { Resources = new[] { "x" }, Ttl = TimeSpan.FromSeconds(1) }, autoRenew: false);
        Thread.Sleep(1300);
        using (var b = _dir.Open("B")) Assert.True(b.Locks.Acquire(new LockRequest { Resources = new[] { "x" } }).Granted);

        using var held = LockHandle.Acquire(As("A"), new LockRequest { Resources = new[] { "y" } }, autoRenew: false);
        using (var c = _dir.Open("C")) c.Locks.Break("y", "needed it");
        var e = Assert.Throws<BlockedException>(() => held.Renew());
        Assert.Equal("LeaseLost", e.ErrorId);
        Assert.Contains("broken", held.LostReason);
    }
}
