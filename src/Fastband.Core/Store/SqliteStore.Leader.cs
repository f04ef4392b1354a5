using Fastband.Core.Leader;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

/// <summary>Heartbeats and leader terms (the leader's lease is an ordinary row of <c>leases</c>).</summary>
public sealed partial class SqliteStore : ILeaderStore
{
    public ILeaderStore Leader => this;

    T ILeaderStore.Write<T>(Func<ILeaderTransaction, T> work) => InWriteTransaction(() => work(new LeaderTransaction(this)));

    IReadOnlyList<Heartbeat> ILeaderStore.Heartbeats()
    {
        lock (_gate) return ReadHeartbeats(null);
    }

    Heartbeat? ILeaderStore.Heartbeat(string agent)
    {
        lock (_gate) return ReadHeartbeats(agent).FirstOrDefault();
    }

    IReadOnlyList<LeaderTerm> ILeaderStore.Terms(int limit)
    {
        lock (_gate) return ReadTerms(Math.Max(1, limit));
    }

    private const string HeartbeatColumns = "agent, role, host, pid, first_us, beat_us, beats";

    private List<Heartbeat> ReadHeartbeats(string? agent)
    {
        using var cmd = agent is null
            ? Command($"SELECT {HeartbeatColumns} FROM heartbeats ORDER BY beat_us DESC, agent;")
            : Command($"SELECT {HeartbeatColumns} FROM heartbeats WHERE agent = $a;", ("$a", agent));
        using var r = cmd.ExecuteReader();
        var list = new List<Heartbeat>();
        while (r.Read())
            list.Add(new Heartbeat
            {
                Agent = r.GetString(0), Role = r.GetString(1), Host = r.GetString(2), ProcessId = r.GetInt32(3),
                FirstBeatAt = FromMicros(r.GetInt64(4)), LastBeatAt = FromMicros(r.GetInt64(5)), Beats = r.GetInt64(6),
            });
        return list;
    }

    private List<LeaderTerm> ReadTerms(int limit)
    {
        using var cmd = Command("SELECT term, agent, host, lease_id, fencing_token, started_us, ended_us, end_reason FROM leader_terms ORDER BY term DESC LIMIT $n;", ("$n", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<LeaderTerm>();
        while (r.Read())
            list.Add(new LeaderTerm
            {
                Term = r.GetInt64(0), Agent = r.GetString(1), Host = r.GetString(2), LeaseId = r.GetString(3), FencingToken = r.GetInt64(4),
                StartedAt = FromMicros(r.GetInt64(5)), EndedAt = r.IsDBNull(6) ? null : FromMicros(r.GetInt64(6)), EndReason = r.IsDBNull(7) ? null : r.GetString(7),
            });
        return list;
    }

    /// <summary>Valid only inside <see cref="ILeaderStore.Write{T}"/>, which holds the write lock.</summary>
    private sealed class LeaderTransaction : ILeaderTransaction
    {
        private readonly SqliteStore _s;

        public LeaderTransaction(SqliteStore store)
        {
            _s = store;
            Locks = new LockTransaction(store);
        }

        public ILockTransaction Locks { get; }

        public Heartbeat? Heartbeat(string agent) => _s.ReadHeartbeats(agent).FirstOrDefault();

        public void SaveHeartbeat(Heartbeat b) => Run(
            "INSERT INTO heartbeats (agent, role, host, pid, first_us, beat_us, beats) VALUES ($a, $role, $host, $pid, $first, $beat, $beats) " +
            "ON CONFLICT (agent) DO UPDATE SET role = excluded.role, host = excluded.host, pid = excluded.pid, first_us = excluded.first_us, " +
            "beat_us = excluded.beat_us, beats = excluded.beats;",
            ("$a", b.Agent), ("$role", b.Role), ("$host", b.Host), ("$pid", b.ProcessId),
            ("$first", ToMicros(b.FirstBeatAt)), ("$beat", ToMicros(b.LastBeatAt)), ("$beats", b.Beats));

        public bool DeleteHeartbeat(string agent)
        {
            using var cmd = _s.Command("DELETE FROM heartbeats WHERE agent = $a;", ("$a", agent));
            return cmd.ExecuteNonQuery() > 0;
        }

        public LeaderTerm? LatestTerm() => _s.ReadTerms(1).FirstOrDefault();

        public void InsertTerm(LeaderTerm t) => Run(
            "INSERT INTO leader_terms (term, agent, host, lease_id, fencing_token, started_us) VALUES ($t, $a, $h, $l, $f, $s);",
            ("$t", t.Term), ("$a", t.Agent), ("$h", t.Host), ("$l", t.LeaseId), ("$f", t.FencingToken), ("$s", ToMicros(t.StartedAt)));

        public void EndTerm(long term, DateTimeOffset at, string reason) => Run(
            "UPDATE leader_terms SET ended_us = $at, end_reason = $why WHERE term = $t AND ended_us IS NULL;",
            ("$t", term), ("$at", ToMicros(at)), ("$why", reason));

        private void Run(string sql, params (string, object?)[] parameters)
        {
            using SqliteCommand cmd = _s.Command(sql, parameters);
            cmd.ExecuteNonQuery();
        }
    }
}

public sealed partial class SqliteStore
{
    public IReadOnlyList<string> QuickCheck()
    {
        lock (_gate)
        {
            using var cmd = Command("PRAGMA quick_check;");
            using var r = cmd.ExecuteReader();
            var lines = new List<string>();
            while (r.Read()) lines.Add(r.GetString(0));
            return lines.Count == 1 && lines[0] == "ok" ? Array.Empty<string>() : lines;
        }
    }
}
