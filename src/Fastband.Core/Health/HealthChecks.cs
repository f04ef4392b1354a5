using Fastband.Core.Alerts;
using Fastband.Core.Leader;
using Fastband.Core.Locks;
using Fastband.Core.Store;

namespace Fastband.Core.Health;

/// <summary>How old each agent's last heartbeat is: healthy, late (health.heartbeatLate) or dead (health.heartbeatDead).</summary>
public sealed class HeartbeatHealthCheck : IHealthCheck
{
    private readonly LeaderService _leader;
    private readonly HealthSettings _settings;

    public HeartbeatHealthCheck(LeaderService leader, HealthSettings settings)
    {
        _leader = leader;
        _settings = settings;
    }

    public string Name => "heartbeats";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        var beats = _leader.Heartbeats().Where(b => now - b.LastBeatAt <= _settings.ForgetAfter).ToList();
        if (beats.Count == 0)
        {
            yield return new HealthFinding(Name, "-", HealthState.Healthy, "No agent sends heartbeats (send them with 'fastband heartbeat').");
            yield break;
        }
        foreach (var b in beats)
        {
            var age = now - b.LastBeatAt;
            var (state, word) = Classify(age, _settings);
            yield return new HealthFinding(Name, b.Agent, state, $"{b.Agent} ({b.Role}) on {b.Host}: last heartbeat {TimeSpec.Humanize(age)} ago ({word}).")
            {
                Details = new Dictionary<string, object?>
                {
                    ["status"] = word, ["role"] = b.Role, ["host"] = b.Host, ["ageSeconds"] = Math.Round(age.TotalSeconds, 1),
                    ["lastBeatAt"] = b.LastBeatAt, ["beats"] = b.Beats,
                },
            };
        }
    }

    /// <summary>healthy / late / dead, by the configured thresholds.</summary>
    public static (HealthState State, string Word) Classify(TimeSpan age, HealthSettings settings) =>
        age > settings.HeartbeatDead ? (HealthState.Unhealthy, "dead")
        : age > settings.HeartbeatLate ? (HealthState.Warning, "late")
        : (HealthState.Healthy, "healthy");
}

/// <summary>The leader, its term and heartbeat age: a lapsed leader is unhealthy, no leader or a late one worth a look.</summary>
public sealed class LeaderHealthCheck : IHealthCheck
{
    private readonly LeaderService _leader;
    private readonly HealthSettings _settings;

    public LeaderHealthCheck(LeaderService leader, HealthSettings settings)
    {
        _leader = leader;
        _settings = settings;
    }

    public string Name => "leader";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        var s = _leader.Show();
        var state = s.HasLeader
            ? (s.HeartbeatAgeSeconds is { } age && TimeSpan.FromSeconds(age) > _settings.HeartbeatLate ? HealthState.Warning : HealthState.Healthy)
            : s.Term == 0 || _leader.Terms(1).FirstOrDefault()?.EndReason == "resigned" ? HealthState.Warning : HealthState.Unhealthy;
        yield return new HealthFinding(Name, s.Leader ?? "-", state, s.Message)
        {
            Details = new Dictionary<string, object?>
            {
                ["status"] = s.HasLeader ? (state == HealthState.Healthy ? "healthy" : "late") : (state == HealthState.Unhealthy ? "dead" : "none"),
                ["leader"] = s.Leader, ["term"] = s.Term, ["hasLeader"] = s.HasLeader, ["ageSeconds"] = s.HeartbeatAgeSeconds,
                ["leaseExpiresAt"] = s.LeaseExpiresAt, ["heartbeatTimeoutSeconds"] = s.HeartbeatTimeoutSeconds,
            },
        };
    }
}

/// <summary>Locks whose lease expired or whose process died but that nobody has reclaimed yet: a sign of a crashed agent.</summary>
public sealed class StaleLockHealthCheck : IHealthCheck
{
    private readonly LockService _locks;

    public StaleLockHealthCheck(LockService locks) => _locks = locks;

    public string Name => "locks";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        var stale = _locks.StaleLeases().Where(r => !r.Lease.Resources.All(ResourcePath.IsReserved)).ToList();
        yield return stale.Count == 0
            ? new HealthFinding(Name, "stale", HealthState.Healthy, "No stale locks.")
            : new HealthFinding(Name, "stale", HealthState.Warning,
                $"{stale.Count} stale lock(s), e.g. {stale[0]}; the next acquire reclaims them, or run 'fastband lock cleanup'.")
            {
                Details = new Dictionary<string, object?> { ["count"] = stale.Count, ["leases"] = stale.Select(r => r.ToString()).ToArray() },
            };
    }
}

/// <summary>
/// Events waiting in the offline queue (.fastband/events.offline.log, one JSON line per event, written by the event
/// log while the store cannot be written): a non-empty queue means events are not in the store yet.
/// </summary>
public sealed class OfflineQueueHealthCheck : IHealthCheck
{
    public const string FileName = "events.offline.log";

    private readonly string _path;

    public OfflineQueueHealthCheck(string stateDirectory) => _path = Path.Combine(stateDirectory, FileName);

    public string Name => "offlineQueue";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        long count = File.Exists(_path) ? File.ReadLines(_path).LongCount(l => !string.IsNullOrWhiteSpace(l)) : 0;
        yield return new HealthFinding(Name, FileName, count == 0 ? HealthState.Healthy : HealthState.Warning,
            count == 0 ? "The offline queue is empty." : $"{count} event(s) wait in {FileName}: they are replayed once the store can be written.")
        {
            Details = new Dictionary<string, object?> { ["length"] = count },
        };
    }
}

/// <summary>
/// The store: which backend, where, at what schema version, the store's own integrity check (SQLite: PRAGMA
/// quick_check; PostgreSQL: schema version, tables and indexes, see <see cref="PostgresStore.QuickCheck"/>) and
/// how long that check took (a shared PostgreSQL store far away or overloaded shows here first). A store that
/// could not be opened never gets this far: opening the project already failed with the host, port and reason.
/// </summary>
public sealed class StoreHealthCheck : IHealthCheck
{
    /// <summary>A check slower than this is worth a look.</summary>
    public static readonly TimeSpan SlowRead = TimeSpan.FromSeconds(1);

    private readonly IFastbandStore _store;

    public StoreHealthCheck(IFastbandStore store) => _store = store;

    public string Name => "store";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<string> problems;
        HealthState state;
        string summary;
        try
        {
            problems = _store.QuickCheck();
            clock.Stop();
            bool slow = clock.Elapsed > SlowRead;
            state = problems.Count > 0 ? HealthState.Unhealthy : slow ? HealthState.Warning : HealthState.Healthy;
            summary = problems.Count == 0
                ? $"The store {_store.Location} opens, schema version {_store.SchemaVersion}, integrity quick check ok in {clock.Elapsed.TotalMilliseconds:0.#} ms" +
                  (slow ? $" (over {SlowRead.TotalSeconds:0} s: the store is slow to answer)." : ".")
                : $"The store {_store.Location} is damaged: its integrity check found {problems.Count} problem(s), first: {HealthService.OneLine(problems[0])}; {Salvage(_store.Location)}.";
        }
        catch (Exception e) when (e is FastbandException or InvalidOperationException or IOException or System.Data.Common.DbException)
        {
            clock.Stop();
            problems = new[] { HealthService.OneLine(e.Message) };
            state = HealthState.Unhealthy;
            summary = Unreadable(_store.Location, e);
        }
        yield return new HealthFinding(Name, _store.Location, state, summary)
        {
            Details = new Dictionary<string, object?>
            {
                ["backend"] = _store is PostgresStore ? StoreSettings.Postgres : StoreSettings.Sqlite,
                ["location"] = _store.Location,
                ["schemaVersion"] = _store.SchemaVersion,
                ["problems"] = problems,
                ["readMs"] = Math.Round(clock.Elapsed.TotalMilliseconds, 1),
                ["notifications"] = _store.Notifications.Pushes ? "listen-notify" : "polling",
            },
        };
    }

    /// <summary>The one sentence for a store that failed to answer: damaged (SQLite says so), or just not answering.</summary>
    public static string Unreadable(string location, Exception e)
    {
        var root = e.InnerException as System.Data.Common.DbException ?? e as System.Data.Common.DbException;
        string reason = HealthService.OneLine((root ?? e).Message).TrimEnd('.');
        // SQLITE_CORRUPT, SQLITE_NOTADB, and SQLITE_TOOBIG, which a damaged record length gives
        bool damaged = root is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 11 or 26 or 18 };
        return damaged
            ? $"The store {location} is damaged ({reason}); {Salvage(location)}."
            : $"The store {location} did not answer ({reason}); check that it is reachable and readable, then run 'fastband health' again.";
    }

    /// <summary>
    /// What to do with a damaged store. Backups leave .fastband/ out, so a backup cannot give it back: salvage what
    /// SQLite can read, or start afresh.
    /// </summary>
    private static string Salvage(string location) => location.StartsWith("sqlite:", StringComparison.Ordinal)
        ? $"stop the agents, then salvage it with 'sqlite3 {location[7..]} .recover | sqlite3 recovered.db' and put recovered.db in its place, or move the file aside to start with an empty store"
        : "repair it with the database's own tools, or migrate to a fresh schema with 'fastband store migrate'";
}

/// <summary>Alerts that could not be delivered yet.</summary>
public sealed class AlertOutboxHealthCheck : IHealthCheck
{
    private readonly AlertService _alerts;

    public AlertOutboxHealthCheck(AlertService alerts) => _alerts = alerts;

    public string Name => "alerts";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        var pending = _alerts.Pending();
        yield return new HealthFinding(Name, "outbox", pending.Count == 0 ? HealthState.Healthy : HealthState.Warning,
            pending.Count == 0
                ? $"No alerts waiting ({_alerts.Webhooks.Count} webhook(s) configured)."
                : $"{pending.Count} alert(s) could not be delivered yet, last error: {pending[^1].LastError ?? "not tried yet"}; retry with 'fastband alerts flush'.")
        {
            Details = new Dictionary<string, object?> { ["pending"] = pending.Count, ["webhooks"] = _alerts.Webhooks.Count },
        };
    }
}
