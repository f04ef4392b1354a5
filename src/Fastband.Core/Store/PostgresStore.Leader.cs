using System.Data.Common;
using Fastband.Core.Leader;

namespace Fastband.Core.Store;

/// <summary>Heartbeats and leader terms on PostgreSQL: the SQL of SqliteStore.Leader.cs in PostgreSQL's dialect.</summary>
public sealed partial class PostgresStore : ILeaderStore
{
    public ILeaderStore Leader => this;

    // The writer lock makes campaign, renew and resign each one atomic step over leases, heartbeats and terms, as
    // BEGIN IMMEDIATE does on SQLite: a second campaigner waits, then sees the first one's lease.
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
            ? Command($"SELECT {HeartbeatColumns} FROM heartbeats ORDER BY beat_us DESC, lower(agent) COLLATE \"C\";")
            : Command($"SELECT {HeartbeatColumns} FROM heartbeats WHERE lower(agent) = lower(@a);", ("a", agent));
        return Rows(cmd, r => new Heartbeat
        {
            Agent = r.GetString(0), Role = r.GetString(1), Host = r.GetString(2), ProcessId = r.GetInt32(3),
            FirstBeatAt = FromMicros(r.GetInt64(4)), LastBeatAt = FromMicros(r.GetInt64(5)), Beats = r.GetInt64(6),
        });
    }

    private List<LeaderTerm> ReadTerms(int limit)
    {
        using var cmd = Command("SELECT term, agent, host, lease_id, fencing_token, started_us, ended_us, end_reason FROM leader_terms ORDER BY term DESC LIMIT @n;", ("n", limit));
        return Rows(cmd, r => new LeaderTerm
        {
            Term = r.GetInt64(0), Agent = r.GetString(1), Host = r.GetString(2), LeaseId = r.GetString(3), FencingToken = r.GetInt64(4),
            StartedAt = FromMicros(r.GetInt64(5)), EndedAt = r.IsDBNull(6) ? null : FromMicros(r.GetInt64(6)), EndReason = r.IsDBNull(7) ? null : r.GetString(7),
        });
    }

    private static List<T> Rows<T>(DbCommand cmd, Func<DbDataReader, T> row)
    {
        var result = new List<T>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) result.Add(row(r));
        return result;
    }

    /// <summary>Valid only inside <see cref="ILeaderStore.Write{T}"/>, which holds the writer lock.</summary>
    private sealed class LeaderTransaction : ILeaderTransaction
    {
        private readonly PostgresStore _s;

        public LeaderTransaction(PostgresStore store)
        {
            _s = store;
            Locks = new LockTransaction(store);
        }

        public ILockTransaction Locks { get; }

        public Heartbeat? Heartbeat(string agent) => _s.ReadHeartbeats(agent).FirstOrDefault();

        public void SaveHeartbeat(Heartbeat b) => _s.Execute(
            "INSERT INTO heartbeats (agent, role, host, pid, first_us, beat_us, beats) VALUES (@a, @role, @host, @pid, @first, @beat, @beats) " +
            "ON CONFLICT ((lower(agent))) DO UPDATE SET role = excluded.role, host = excluded.host, pid = excluded.pid, first_us = excluded.first_us, " +
            "beat_us = excluded.beat_us, beats = excluded.beats;",
            ("a", b.Agent), ("role", b.Role), ("host", b.Host), ("pid", b.ProcessId),
            ("first", ToMicros(b.FirstBeatAt)), ("beat", ToMicros(b.LastBeatAt)), ("beats", b.Beats));

        public bool DeleteHeartbeat(string agent)
        {
            using var cmd = _s.Command("DELETE FROM heartbeats WHERE lower(agent) = lower(@a);", ("a", agent));
            return cmd.ExecuteNonQuery() > 0;
        }

        public LeaderTerm? LatestTerm() => _s.ReadTerms(1).FirstOrDefault();

        public void InsertTerm(LeaderTerm t) => _s.Execute(
            "INSERT INTO leader_terms (term, agent, host, lease_id, fencing_token, started_us) VALUES (@t, @a, @h, @l, @f, @s);",
            ("t", t.Term), ("a", t.Agent), ("h", t.Host), ("l", t.LeaseId), ("f", t.FencingToken), ("s", ToMicros(t.StartedAt)));

        public void EndTerm(long term, DateTimeOffset at, string reason) => _s.Execute(
            "UPDATE leader_terms SET ended_us = @at, end_reason = @why WHERE term = @t AND ended_us IS NULL;",
            ("t", term), ("at", ToMicros(at)), ("why", reason));
    }
}

public sealed partial class PostgresStore
{
    /// <summary>
    /// PostgreSQL's counterpart of SQLite's PRAGMA quick_check, cheap enough for every <c>fastband health</c>: the
    /// server answers a read in the store's schema, the schema is at the version this Fastband migrated it to,
    /// every table the migrations create is there, and no index of the schema is left invalid (a failed
    /// concurrent build, say). Page-level corruption is the server's business (data checksums, amcheck).
    /// </summary>
    public IReadOnlyList<string> QuickCheck()
    {
        lock (_gate)
        {
            var problems = new List<string>();
            int version = Scalar<int>("SELECT COALESCE(MAX(version), 0) FROM schema_version;");
            if (version != PostgresMigrations.Latest)
                problems.Add($"schema_version says {version}, expected {PostgresMigrations.Latest}");
            var present = new HashSet<string>(Strings(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = @s AND table_type = 'BASE TABLE';", ("s", Target.Schema)), StringComparer.Ordinal);
            problems.AddRange(PostgresMigrations.Tables.Where(t => !present.Contains(t)).Select(t => $"table {t} is missing"));
            problems.AddRange(Strings(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
                "WHERE n.nspname = @s AND NOT (i.indisvalid AND i.indisready) ORDER BY 1;", ("s", Target.Schema)).Select(i => $"index {i} is invalid"));
            return problems;
        }
    }
}
