using Fastband.Core.Locks;

namespace Fastband.Core.Store;

/// <summary>
/// Lock state: leases and their resources, FIFO waiters, fencing tokens (one counter for every resource, and the
/// latest token per resource) and the lock history. <see cref="LockService"/> decides; this reads and writes.
/// </summary>
internal sealed class LockStore(RelationalStore db) : ILockStore
{
    private readonly RelationalStore _db = db;

    public T Write<T>(Func<ILockTransaction, T> work) => _db.InWriteTransaction(() => work(Transaction()));

    /// <summary>The lease tables in the caller's write transaction (the leader store's, which elects through leases).</summary>
    public ILockTransaction Transaction() => new LockTransaction(this);

    public IReadOnlyList<Lease> Leases() => _db.Read(() => ReadLeases(null));

    public IReadOnlyList<LockWaiter> Waiters() => _db.Read(ReadWaiters);

    public long? ResourceToken(string resource) => _db.Read(() => ReadResourceToken(resource));

    public LockEvent? LastEvent(string leaseId) => QueryHistory(" WHERE lease_id = @lease", new() { ("lease", leaseId) }, 1).FirstOrDefault();

    public IReadOnlyList<LockEvent> History(IReadOnlyList<string>? actions, int limit)
    {
        var parameters = new List<(string, object?)>();
        string where = actions is { Count: > 0 } ? " WHERE " + _db.Dialect.In("action", "action", actions, parameters) : "";
        return QueryHistory(where, parameters, limit);
    }

    private List<LockEvent> QueryHistory(string where, List<(string, object?)> parameters, int limit) => _db.Read(() =>
    {
        using var cmd = _db.Command($"SELECT {StoreRows.HistoryColumns} FROM lock_history{where} ORDER BY id DESC LIMIT {Math.Max(1, limit)};", parameters.ToArray());
        return StoreRows.History(cmd);
    });

    private List<Lease> ReadLeases(string? onlyLeaseId)
    {
        var idParameter = onlyLeaseId is null ? Array.Empty<(string, object?)>() : new (string, object?)[] { ("id", onlyLeaseId) };
        var (resourcesSql, leasesSql) = onlyLeaseId is null ? AllLeasesSql : OneLeaseSql;
        using var resources = _db.Prepared(resourcesSql, idParameter);
        using var leases = _db.Prepared(leasesSql, idParameter);
        return StoreRows.Leases(leases.Command, resources.Command);
    }

    // Read on every grant, release and check: built once per store, not per read.
    private (string, string) AllLeasesSql => field.Item1 is null ? field = LeasesSql("") : field;

    private (string, string) OneLeaseSql => field.Item1 is null ? field = LeasesSql(" WHERE lease_id = @id") : field;

    private (string Resources, string Leases) LeasesSql(string filter)
    {
        var order = _db.Dialect;
        return ($"SELECT lease_id, resource FROM lease_resources{filter} ORDER BY {order.ByteOrder("lease_id")}, {order.ByteOrder("resource")};",
                $"SELECT {StoreRows.LeaseColumns} FROM leases{filter} ORDER BY acquired_us, {order.ByteOrder("lease_id")};");
    }

    private List<LockWaiter> ReadWaiters()
    {
        using var cmd = _db.Prepared(WaitersSql);
        return StoreRows.Waiters(cmd.Command);
    }

    private static readonly string WaitersSql = $"SELECT {StoreRows.WaiterColumns} FROM lock_waiters ORDER BY ticket;";

    internal string SetResourceTokenSql => field ??=
        "INSERT INTO resource_tokens (resource, token) VALUES (@r, @t) " +
        $"ON CONFLICT (resource) DO UPDATE SET token = {_db.Dialect.Greatest("resource_tokens.token", "excluded.token")};";

    private long? ReadResourceToken(string resource) =>
        _db.Rows("SELECT token FROM resource_tokens WHERE resource = @r;", r => (long?)r.GetInt64(0), ("r", resource)).FirstOrDefault();

    /// <summary>Valid only inside a write transaction, which holds the writer lock.</summary>
    private sealed class LockTransaction(LockStore store) : ILockTransaction
    {
        private readonly RelationalStore _db = store._db;

        public IReadOnlyList<Lease> Leases() => store.ReadLeases(null);

        public Lease? Lease(string leaseId) => store.ReadLeases(leaseId).FirstOrDefault();

        public IReadOnlyList<LockWaiter> Waiters() => store.ReadWaiters();

        public long DirectiveHighWater() => _db.ScalarPrepared<long>(OpsLogStore.DirectiveHighWaterSql);

        public long NextFencingToken() => _db.ScalarPrepared<long>("UPDATE counters SET value = value + 1 WHERE name = 'fencing' RETURNING value;");

        public long? ResourceToken(string resource) => store.ReadResourceToken(resource);

        public void SetResourceToken(string resource, long token) => _db.ExecutePrepared(store.SetResourceTokenSql, ("r", resource), ("t", token));

        public void InsertLease(Lease l)
        {
            _db.ExecutePrepared("INSERT INTO leases (lease_id, agent, session, mode, fencing_token, host, pid, pid_started_us, reason, acquired_us, expires_us, renewed_us) " +
                        "VALUES (@id, @agent, @session, @mode, @token, @host, @pid, @started, @reason, @acq, @exp, @ren);",
                ("id", l.LeaseId), ("agent", l.Agent), ("session", l.SessionId), ("mode", l.Mode), ("token", l.FencingToken),
                ("host", l.Host), ("pid", l.ProcessId), ("started", StoreRows.ToMicros(l.ProcessStartedAt)), ("reason", l.Reason),
                ("acq", StoreRows.ToMicros(l.AcquiredAt)), ("exp", StoreRows.ToMicros(l.ExpiresAt)), ("ren", StoreRows.ToMicros(l.RenewedAt)));
            // Every resource in one statement: one round trip however many the lease holds.
            var resources = l.Resources.Distinct().ToArray();
            if (resources.Length == 0) return;
            var parameters = new List<(string, object?)> { ("id", l.LeaseId) };
            var rows = resources.Select((r, i) =>
            {
                parameters.Add(($"r{i}", r));
                return $"(@id, @r{i})";
            }).ToArray();
            _db.ExecutePrepared($"INSERT INTO lease_resources (lease_id, resource) VALUES {string.Join(", ", rows)};", parameters.ToArray());
        }

        public void DeleteLease(string leaseId) => _db.ExecutePrepared("DELETE FROM leases WHERE lease_id = @id;", ("id", leaseId));

        public void SetExpiry(string leaseId, DateTimeOffset renewedAt, DateTimeOffset expiresAt) => _db.Execute(
            "UPDATE leases SET renewed_us = @ren, expires_us = @exp WHERE lease_id = @id;",
            ("id", leaseId), ("ren", StoreRows.ToMicros(renewedAt)), ("exp", StoreRows.ToMicros(expiresAt)));

        public void RemoveResources(string leaseId, IReadOnlyList<string> resources)
        {
            if (resources.Count == 0) return;
            var parameters = new List<(string, object?)> { ("id", leaseId) };
            string which = _db.Dialect.In("resource", "r", resources, parameters);
            _db.Execute($"DELETE FROM lease_resources WHERE lease_id = @id AND {which};", parameters.ToArray());
        }

        public long Enqueue(LockWaiter w) => _db.ScalarPrepared<long>(
            "INSERT INTO lock_waiters (agent, session, resources, mode, host, pid, pid_started_us, enqueued_us, seen_us) " +
            "VALUES (@agent, @session, @res, @mode, @host, @pid, @started, @enq, @seen) RETURNING ticket;",
            ("agent", w.Agent), ("session", w.SessionId), ("res", StoreRows.Json(w.Resources)), ("mode", w.Mode), ("host", w.Host),
            ("pid", w.ProcessId), ("started", StoreRows.ToMicros(w.ProcessStartedAt)),
            ("enq", StoreRows.ToMicros(w.EnqueuedAt)), ("seen", StoreRows.ToMicros(w.SeenAt)));

        public void TouchWaiter(long queueNumber, DateTimeOffset seenAt) =>
            _db.ExecutePrepared("UPDATE lock_waiters SET seen_us = @seen WHERE ticket = @t;", ("t", queueNumber), ("seen", StoreRows.ToMicros(seenAt)));

        public void DeleteWaiter(long queueNumber) => _db.ExecutePrepared("DELETE FROM lock_waiters WHERE ticket = @t;", ("t", queueNumber));

        public void Record(LockEvent e) => _db.ExecutePrepared(
            "INSERT INTO lock_history (ts_us, action, lease_id, agent, resources, fencing_token, detail) VALUES (@ts, @action, @lease, @agent, @res, @token, @detail);",
            ("ts", StoreRows.ToMicros(e.At)), ("action", e.Action), ("lease", e.LeaseId), ("agent", e.Agent), ("res", StoreRows.Json(e.Resources)),
            ("token", e.FencingToken), ("detail", e.Detail));

        public void TouchAgent(AgentTouch touch, DateTimeOffset now) => _db.AgentRecords.Upsert(touch, now, registering: false);
    }
}
