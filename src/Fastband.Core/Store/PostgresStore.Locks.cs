using Fastband.Core.Locks;

namespace Fastband.Core.Store;

/// <summary>Lock state on PostgreSQL: the SQL of SqliteStore.Locks.cs in PostgreSQL's dialect.</summary>
public sealed partial class PostgresStore : ILockStore
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

    public LockEvent? LastEvent(string leaseId) => QueryHistory(" WHERE lease_id = @lease", new() { ("lease", leaseId) }, 1).FirstOrDefault();

    public IReadOnlyList<LockEvent> History(IReadOnlyList<string>? actions, int limit) =>
        actions is { Count: > 0 }
            ? QueryHistory(" WHERE action = ANY(@actions)", new() { ("actions", actions.ToArray()) }, limit)
            : QueryHistory("", new(), limit);

    private List<LockEvent> QueryHistory(string where, List<(string, object?)> parameters, int limit)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {StoreRows.HistoryColumns} FROM lock_history{where} ORDER BY id DESC LIMIT {Math.Max(1, limit)};", parameters.ToArray());
            return StoreRows.History(cmd);
        }
    }

    private List<Lease> ReadLeases(string? onlyLeaseId = null)
    {
        string filter = onlyLeaseId is null ? "" : " WHERE lease_id = @id";
        var idParameter = onlyLeaseId is null ? Array.Empty<(string, object?)>() : new (string, object?)[] { ("id", onlyLeaseId) };
        using var resources = Command($"SELECT lease_id, resource FROM lease_resources{filter} ORDER BY lease_id COLLATE \"C\", resource COLLATE \"C\";", idParameter);
        using var leases = Command($"SELECT {StoreRows.LeaseColumns} FROM leases{filter} ORDER BY acquired_us, lease_id COLLATE \"C\";", idParameter);
        return StoreRows.Leases(leases, resources);
    }

    private List<LockWaiter> ReadWaiters()
    {
        using var cmd = Command($"SELECT {StoreRows.WaiterColumns} FROM lock_waiters ORDER BY ticket;");
        return StoreRows.Waiters(cmd);
    }

    private long? ReadResourceToken(string resource)
    {
        using var cmd = Command("SELECT token FROM resource_tokens WHERE resource = @r;", ("r", resource));
        return cmd.ExecuteScalar() is long token ? token : null;
    }

    /// <summary>Valid only inside <see cref="Write{T}"/>, which holds the writer lock.</summary>
    private sealed class LockTransaction : ILockTransaction
    {
        private readonly PostgresStore _s;

        public LockTransaction(PostgresStore store) => _s = store;

        public IReadOnlyList<Lease> Leases() => _s.ReadLeases();

        public Lease? Lease(string leaseId) => _s.ReadLeases(leaseId).FirstOrDefault();

        public IReadOnlyList<LockWaiter> Waiters() => _s.ReadWaiters();

        public long NextFencingToken() => _s.Scalar<long>("UPDATE counters SET value = value + 1 WHERE name = 'fencing' RETURNING value;");

        public long? ResourceToken(string resource) => _s.ReadResourceToken(resource);

        public void SetResourceToken(string resource, long token) => _s.Execute(
            "INSERT INTO resource_tokens (resource, token) VALUES (@r, @t) ON CONFLICT (resource) DO UPDATE SET token = GREATEST(resource_tokens.token, excluded.token);",
            ("r", resource), ("t", token));

        public void InsertLease(Lease l)
        {
            _s.Execute("INSERT INTO leases (lease_id, agent, session, mode, fencing_token, host, pid, pid_started_us, reason, acquired_us, expires_us, renewed_us) " +
                       "VALUES (@id, @agent, @session, @mode, @token, @host, @pid, @started, @reason, @acq, @exp, @ren);",
                ("id", l.LeaseId), ("agent", l.Agent), ("session", l.Session), ("mode", l.Mode), ("token", l.FencingToken),
                ("host", l.Host), ("pid", l.ProcessId), ("started", StoreRows.ToMicros(l.ProcessStartedAt)),
                ("reason", l.Reason), ("acq", ToMicros(l.AcquiredAt)), ("exp", ToMicros(l.ExpiresAt)), ("ren", ToMicros(l.RenewedAt)));
            _s.Execute("INSERT INTO lease_resources (lease_id, resource) SELECT @id, unnest(@resources);",
                ("id", l.LeaseId), ("resources", l.Resources.Distinct().ToArray()));
        }

        public void DeleteLease(string leaseId) => _s.Execute("DELETE FROM leases WHERE lease_id = @id;", ("id", leaseId));

        public void SetExpiry(string leaseId, DateTimeOffset renewedAt, DateTimeOffset expiresAt) => _s.Execute(
            "UPDATE leases SET renewed_us = @ren, expires_us = @exp WHERE lease_id = @id;",
            ("id", leaseId), ("ren", ToMicros(renewedAt)), ("exp", ToMicros(expiresAt)));

        public void RemoveResources(string leaseId, IReadOnlyList<string> resources) => _s.Execute(
            "DELETE FROM lease_resources WHERE lease_id = @id AND resource = ANY(@resources);", ("id", leaseId), ("resources", resources.ToArray()));

        public long Enqueue(LockWaiter w) => _s.Scalar<long>(
            "INSERT INTO lock_waiters (agent, session, resources, mode, host, pid, pid_started_us, enqueued_us, seen_us) " +
            "VALUES (@agent, @session, @res, @mode, @host, @pid, @started, @enq, @seen) RETURNING ticket;",
            ("agent", w.Agent), ("session", w.Session), ("res", StoreRows.Json(w.Resources)), ("mode", w.Mode), ("host", w.Host),
            ("pid", w.ProcessId), ("started", StoreRows.ToMicros(w.ProcessStartedAt)),
            ("enq", ToMicros(w.EnqueuedAt)), ("seen", ToMicros(w.SeenAt)));

        public void TouchWaiter(long ticket, DateTimeOffset seenAt) =>
            _s.Execute("UPDATE lock_waiters SET seen_us = @seen WHERE ticket = @t;", ("t", ticket), ("seen", ToMicros(seenAt)));

        public void DeleteWaiter(long ticket) => _s.Execute("DELETE FROM lock_waiters WHERE ticket = @t;", ("t", ticket));

        public void Record(LockEvent e) => _s.Execute(
            "INSERT INTO lock_history (ts_us, action, lease_id, agent, resources, fencing_token, detail) VALUES (@ts, @action, @lease, @agent, @res, @token, @detail);",
            ("ts", ToMicros(e.At)), ("action", e.Action), ("lease", e.LeaseId), ("agent", e.Agent), ("res", StoreRows.Json(e.Resources)),
            ("token", e.FencingToken), ("detail", e.Detail));

        public void TouchAgent(AgentTouch touch, DateTimeOffset now) => _s.UpsertAgent(touch, now, registering: false);
    }
}
