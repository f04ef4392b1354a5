using System.Text.Json;
using Fastband.Core.Locks;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

public sealed partial class SqliteStore : ILockStore
{
    public ILockStore Locks => this;

    public T Write<T>(Func<ILockTransaction, T> work) => InWriteTransaction(() => work(new LockTransaction(this)));

    IReadOnlyList<Lease> ILockStore.Leases()
    {
        lock (_gate) return ReadLeases();
    }

    IReadOnlyList<LockWaiter> ILockStore.Waiters()
    {
        lock (_gate) return ReadWaiters();
    }

    long? ILockStore.ResourceToken(string resource)
    {
        lock (_gate) return ReadResourceToken(resource);
    }

    public LockEvent? LastEvent(string leaseId) => QueryHistory(" WHERE lease_id = $lease", new List<(string, object?)> { ("$lease", leaseId) }, 1).FirstOrDefault();

    public IReadOnlyList<LockEvent> History(IReadOnlyList<string>? actions, int limit)
    {
        var parameters = new List<(string, object?)>();
        string where = "";
        if (actions is { Count: > 0 })
        {
            var names = actions.Select((_, i) => $"$a{i}").ToArray();
            where = $" WHERE action IN ({string.Join(", ", names)})";
            for (int i = 0; i < actions.Count; i++) parameters.Add((names[i], actions[i]));
        }
        return QueryHistory(where, parameters, limit);
    }

    private List<LockEvent> QueryHistory(string where, List<(string, object?)> parameters, int limit)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.HistoryColumns} FROM lock_history{where} ORDER BY id DESC LIMIT {Math.Max(1, limit)};", parameters.ToArray());
            return StoreRows.History(cmd);
        }
    }

    private static string Json(IReadOnlyList<string> values) => StoreRows.Json(values);

    private List<Lease> ReadLeases(string? onlyLeaseId = null)
    {
        string filter = onlyLeaseId is null ? "" : " WHERE lease_id = $id";
        var idParameter = onlyLeaseId is null ? Array.Empty<(string, object?)>() : new (string, object?)[] { ("$id", onlyLeaseId) };
        using var resources = Command($"SELECT lease_id, resource FROM lease_resources{filter} ORDER BY lease_id, resource;", idParameter);
        using var leases = Command($"SELECT {StoreRows.LeaseColumns} FROM leases{filter} ORDER BY acquired_us, lease_id;", idParameter);
        return StoreRows.Leases(leases, resources);
    }

    private List<LockWaiter> ReadWaiters()
    {
        using var cmd = Command($"SELECT {StoreRows.WaiterColumns} FROM lock_waiters ORDER BY ticket;");
        return StoreRows.Waiters(cmd);
    }

    private long? ReadResourceToken(string resource)
    {
        using var cmd = Command("SELECT token FROM resource_tokens WHERE resource = $r;", ("$r", resource));
        return cmd.ExecuteScalar() is long token ? token : null;
    }

    /// <summary>Valid only inside <see cref="Write{T}"/>, which holds the write lock.</summary>
    private sealed class LockTransaction : ILockTransaction
    {
        private readonly SqliteStore _s;

        public LockTransaction(SqliteStore store) => _s = store;

        public IReadOnlyList<Lease> Leases() => _s.ReadLeases();

        public Lease? Lease(string leaseId) => _s.ReadLeases(leaseId).FirstOrDefault();

        public IReadOnlyList<LockWaiter> Waiters() => _s.ReadWaiters();

        public long NextFencingToken()
        {
            using var cmd = _s.Command("UPDATE counters SET value = value + 1 WHERE name = 'fencing' RETURNING value;");
            return (long)cmd.ExecuteScalar()!;
        }

        public long? ResourceToken(string resource) => _s.ReadResourceToken(resource);

        public void SetResourceToken(string resource, long token) => Run(
            "INSERT INTO resource_tokens (resource, token) VALUES ($r, $t) ON CONFLICT (resource) DO UPDATE SET token = MAX(token, excluded.token);",
            ("$r", resource), ("$t", token));

        public void InsertLease(Lease l)
        {
            Run("INSERT INTO leases (lease_id, agent, session, mode, fencing_token, host, pid, pid_started_us, reason, acquired_us, expires_us, renewed_us) " +
                "VALUES ($id, $agent, $session, $mode, $token, $host, $pid, $started, $reason, $acq, $exp, $ren);",
                ("$id", l.LeaseId), ("$agent", l.Agent), ("$session", l.Session), ("$mode", l.Mode), ("$token", l.FencingToken),
                ("$host", l.Host), ("$pid", l.ProcessId), ("$started", l.ProcessStartedAt is { } s ? ToMicros(s) : null),
                ("$reason", l.Reason), ("$acq", ToMicros(l.AcquiredAt)), ("$exp", ToMicros(l.ExpiresAt)), ("$ren", ToMicros(l.RenewedAt)));
            foreach (string resource in l.Resources.Distinct())
                Run("INSERT INTO lease_resources (lease_id, resource) VALUES ($id, $r);", ("$id", l.LeaseId), ("$r", resource));
        }

        public void DeleteLease(string leaseId) => Run("DELETE FROM leases WHERE lease_id = $id;", ("$id", leaseId));

        public void SetExpiry(string leaseId, DateTimeOffset renewedAt, DateTimeOffset expiresAt) => Run(
            "UPDATE leases SET renewed_us = $ren, expires_us = $exp WHERE lease_id = $id;",
            ("$id", leaseId), ("$ren", ToMicros(renewedAt)), ("$exp", ToMicros(expiresAt)));

        public void RemoveResources(string leaseId, IReadOnlyList<string> resources)
        {
            foreach (string r in resources)
                Run("DELETE FROM lease_resources WHERE lease_id = $id AND resource = $r;", ("$id", leaseId), ("$r", r));
        }

        public long Enqueue(LockWaiter w)
        {
            using var cmd = _s.Command(
                "INSERT INTO lock_waiters (agent, session, resources, mode, host, pid, pid_started_us, enqueued_us, seen_us) " +
                "VALUES ($agent, $session, $res, $mode, $host, $pid, $started, $enq, $seen) RETURNING ticket;",
                ("$agent", w.Agent), ("$session", w.Session), ("$res", Json(w.Resources)), ("$mode", w.Mode), ("$host", w.Host),
                ("$pid", w.ProcessId), ("$started", w.ProcessStartedAt is { } s ? ToMicros(s) : null),
                ("$enq", ToMicros(w.EnqueuedAt)), ("$seen", ToMicros(w.SeenAt)));
            return (long)cmd.ExecuteScalar()!;
        }

        public void TouchWaiter(long ticket, DateTimeOffset seenAt) =>
            Run("UPDATE lock_waiters SET seen_us = $seen WHERE ticket = $t;", ("$t", ticket), ("$seen", ToMicros(seenAt)));

        public void DeleteWaiter(long ticket) => Run("DELETE FROM lock_waiters WHERE ticket = $t;", ("$t", ticket));

        public void Record(LockEvent e) => Run(
            "INSERT INTO lock_history (ts_us, action, lease_id, agent, resources, fencing_token, detail) VALUES ($ts, $action, $lease, $agent, $res, $token, $detail);",
            ("$ts", ToMicros(e.At)), ("$action", e.Action), ("$lease", e.LeaseId), ("$agent", e.Agent), ("$res", Json(e.Resources)),
            ("$token", e.FencingToken), ("$detail", e.Detail));

        public void TouchAgent(AgentTouch touch, DateTimeOffset now) => _s.UpsertAgent(touch, now, registering: false);

        private void Run(string sql, params (string, object?)[] parameters)
        {
            using SqliteCommand cmd = _s.Command(sql, parameters);
            cmd.ExecuteNonQuery();
        }
    }
}
