using System.Diagnostics;
using Fastband.Core.Health;

namespace Fastband.Core.Store;

/// <summary>
/// The store's part of <c>fastband health</c>: which backend, where, at what schema version, and how long one read
/// takes now (a shared PostgreSQL store far away or overloaded shows here first). A store that could not be opened
/// never gets this far: opening the project already failed with the host, port and reason.
/// </summary>
public sealed class StoreHealthCheck : IHealthCheck
{
    /// <summary>A read slower than this is worth a look.</summary>
    public static readonly TimeSpan SlowRead = TimeSpan.FromSeconds(1);

    private readonly IFastbandStore _store;

    public StoreHealthCheck(IFastbandStore store) => _store = store;

    public string Name => "store";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        var clock = Stopwatch.StartNew();
        HealthState state;
        string summary;
        try
        {
            _store.OpsLog.LatestId();
            clock.Stop();
            state = clock.Elapsed > SlowRead ? HealthState.Warning : HealthState.Healthy;
            summary = $"{_store.Location}, schema version {_store.SchemaVersion}, a read took {clock.Elapsed.TotalMilliseconds:0.#} ms" +
                      (state == HealthState.Warning ? $" (over {SlowRead.TotalSeconds:0} s: the store is slow to answer)" : "");
        }
        catch (Exception e) when (e is FastbandException or InvalidOperationException or IOException or System.Data.Common.DbException)
        {
            state = HealthState.Unhealthy;
            summary = $"{_store.Location} did not answer a read: {e.Message}";
        }
        yield return new HealthFinding(Name, _store.Location, state, summary)
        {
            Details = new Dictionary<string, object?>
            {
                ["backend"] = _store is PostgresStore ? StoreSettings.Postgres : StoreSettings.Sqlite,
                ["schemaVersion"] = _store.SchemaVersion,
                ["readMs"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1),
                ["notifications"] = _store.Notifications.Pushes ? "listen-notify" : "polling",
            },
        };
    }
}
