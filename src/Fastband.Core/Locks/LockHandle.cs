namespace Fastband.Core.Locks;

/// <summary>
/// A lease owned by an object: Dispose releases it. It lives in the handle, not in whatever created it (a
/// cmdlet instance is disposed when its pipeline ends), and it reopens the project for each renewal and for
/// the release, so it needs nothing else kept open. While the process lives it renews itself at a third of
/// the lease's duration; if the lease is lost anyway (broken, or the store was unreachable past expiry),
/// <see cref="LostReason"/> says so.
/// </summary>
public sealed class LockHandle : IDisposable
{
    private readonly ProjectOptions _options;
    private readonly object _gate = new();
    private Timer? _renewal;
    private Lease _lease;

    private LockHandle(ProjectOptions options, Lease lease, bool autoRenew)
    {
        _options = options;
        _lease = lease;
        if (autoRenew)
        {
            var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, (lease.ExpiresAt - lease.RenewedAt).Ticks / 3));
            _renewal = new Timer(_ => RenewNow(), null, period, period);
        }
    }

    /// <summary>Acquires, or throws <see cref="BlockedException"/> (LockRefused) with the conflicts.</summary>
    public static LockHandle Acquire(ProjectOptions options, LockRequest request, bool autoRenew = true, CancellationToken cancellation = default)
    {
        using var project = FastbandProject.Open(options);
        var result = project.Locks.Acquire(request, cancellation);
        if (result.Lease is not { } lease) throw new BlockedException("LockRefused", result.Message);
        // Later renewals and the release must reach the same project whatever the caller's directory becomes.
        return new LockHandle(options with { ProjectPath = project.Root, Agent = project.Caller.Agent }, lease, autoRenew);
    }

    public Lease Lease { get { lock (_gate) return _lease; } }
    public string LeaseId => Lease.LeaseId;
    public long FencingToken => Lease.FencingToken;
    public IReadOnlyList<string> Resources => Lease.Resources;
    public DateTimeOffset ExpiresAt => Lease.ExpiresAt;
    public bool IsReleased { get; private set; }

    /// <summary>Why the lease was lost before release, or null while it holds.</summary>
    public string? LostReason { get; private set; }

    /// <summary>Renews now; a lost lease is reported (BlockedException, LeaseLost) and recorded.</summary>
    public Lease Renew()
    {
        using var project = FastbandProject.Open(_options);
        try
        {
            var renewed = project.Locks.Renew(LeaseId);
            lock (_gate) _lease = renewed;
            return renewed;
        }
        catch (BlockedException e)
        {
            LostReason = e.Message;
            StopRenewing();
            throw;
        }
    }

    private void RenewNow()
    {
        try
        {
            Renew();
        }
        catch (BlockedException)
        {
            // recorded in LostReason; nothing more to do in the background
        }
        catch (Exception e) when (e is FastbandException or IOException)
        {
            // the store was briefly unreachable: the next tick tries again, well before expiry
        }
    }

    private void StopRenewing()
    {
        lock (_gate)
        {
            _renewal?.Dispose();
            _renewal = null;
        }
    }

    /// <summary>Releases the lease; a second call does nothing.</summary>
    public ReleaseResult Release()
    {
        StopRenewing();
        lock (_gate)
        {
            if (IsReleased) return new ReleaseResult { Message = $"Lease {_lease.LeaseId} was already released." };
            IsReleased = true;
        }
        using var project = FastbandProject.Open(_options);
        return project.Locks.Release(LeaseId);
    }

    public void Dispose() => Release();

    public override string ToString() => (IsReleased ? "released: " : LostReason is null ? "" : "LOST: ") + Lease;
}
