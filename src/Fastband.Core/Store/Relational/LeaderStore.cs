using Fastband.Core.Leader;

namespace Fastband.Core.Store;

/// <summary>
/// Heartbeats (one row per agent, names ignoring case) and leader terms. The leader's lease is an ordinary row of
/// leases: a write here holds the writer lock over both, so campaigning, renewing and resigning are each one atomic
/// step, and a second campaigner waits, then sees the first one's lease.
/// </summary>
internal sealed class LeaderStore(RelationalStore db, LockStore locks) : ILeaderStore
{
    private readonly RelationalStore _db = db;
    private readonly LockStore _locks = locks;

    public T Write<T>(Func<ILeaderTransaction, T> work) => _db.InWriteTransaction(() => work(new LeaderTransaction(this)));

    public IReadOnlyList<Heartbeat> Heartbeats() => _db.Read(() => ReadHeartbeats(null));

    public Heartbeat? Heartbeat(string agent) => _db.Read(() => ReadHeartbeats(agent).FirstOrDefault());

    public IReadOnlyList<LeaderTerm> Terms(int limit) => _db.Read(() => ReadTerms(Math.Max(1, limit)));

    private List<Heartbeat> ReadHeartbeats(string? agent)
    {
        using var cmd = agent is null
            ? _db.Command($"SELECT {StoreRows.HeartbeatColumns} FROM heartbeats ORDER BY beat_us DESC, {_db.Dialect.NameOrder("agent")};")
            : _db.Command($"SELECT {StoreRows.HeartbeatColumns} FROM heartbeats WHERE {_db.Dialect.EqualsIgnoreCase("agent", "@a")};", ("a", agent));
        return StoreRows.Heartbeats(cmd);
    }

    private List<LeaderTerm> ReadTerms(int limit)
    {
        using var cmd = _db.Command($"SELECT {StoreRows.TermColumns} FROM leader_terms ORDER BY term DESC LIMIT @n;", ("n", limit));
        return StoreRows.Terms(cmd);
    }

    /// <summary>Valid only inside <see cref="Write{T}"/>, which holds the writer lock.</summary>
    private sealed class LeaderTransaction(LeaderStore store) : ILeaderTransaction
    {
        private readonly RelationalStore _db = store._db;

        public ILockTransaction Locks { get; } = store._locks.Transaction();

        public Heartbeat? Heartbeat(string agent) => store.ReadHeartbeats(agent).FirstOrDefault();

        public void SaveHeartbeat(Heartbeat b) => _db.Execute(
            "INSERT INTO heartbeats (agent, role, host, pid, first_us, beat_us, beats) VALUES (@a, @role, @host, @pid, @first, @beat, @beats) " +
            $"ON CONFLICT {_db.Dialect.UniqueIgnoringCase("agent")} DO UPDATE SET role = excluded.role, host = excluded.host, pid = excluded.pid, " +
            "first_us = excluded.first_us, beat_us = excluded.beat_us, beats = excluded.beats;",
            ("a", b.Agent), ("role", b.Role), ("host", b.Host), ("pid", b.ProcessId),
            ("first", StoreRows.ToMicros(b.FirstBeatAt)), ("beat", StoreRows.ToMicros(b.LastBeatAt)), ("beats", b.Beats));

        public bool DeleteHeartbeat(string agent) =>
            _db.Execute($"DELETE FROM heartbeats WHERE {_db.Dialect.EqualsIgnoreCase("agent", "@a")};", ("a", agent)) > 0;

        public LeaderTerm? LatestTerm() => store.ReadTerms(1).FirstOrDefault();

        public void InsertTerm(LeaderTerm t) => _db.Execute(
            "INSERT INTO leader_terms (term, agent, host, lease_id, fencing_token, started_us) VALUES (@t, @a, @h, @l, @f, @s);",
            ("t", t.Term), ("a", t.Agent), ("h", t.Host), ("l", t.LeaseId), ("f", t.FencingToken), ("s", StoreRows.ToMicros(t.StartedAt)));

        public void EndTerm(long term, DateTimeOffset at, string reason) => _db.Execute(
            "UPDATE leader_terms SET ended_us = @at, end_reason = @why WHERE term = @t AND ended_us IS NULL;",
            ("t", term), ("at", StoreRows.ToMicros(at)), ("why", reason));
    }
}
