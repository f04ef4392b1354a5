using System.Globalization;
using System.Text.Json;
using Fastband.Core.OpsLog;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

/// <summary>
/// The default store: one SQLite file in WAL mode. Every write transaction begins with BEGIN IMMEDIATE
/// (a deferred transaction that later upgrades to a write fails with SQLITE_BUSY without honouring the
/// busy timeout), and every commit is durable (synchronous=FULL).
/// </summary>
public sealed partial class SqliteStore : IFastbandStore, IOpsLogStore, IAgentStore
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _busyTimeout;
    private readonly WriterGate _writers;
    private readonly object _gate = new();

    public SqliteStore(string databasePath, TimeProvider? clock = null, TimeSpan? busyTimeout = null)
    {
        SqliteNative.EnsureInitialized();
        _clock = clock ?? TimeProvider.System;
        DatabasePath = Path.GetFullPath(databasePath);
        Created = !File.Exists(DatabasePath);
        OwnerOnly.EnsureFolder(Path.GetDirectoryName(DatabasePath)!);
        OwnerOnly.EnsureFile(DatabasePath); // 0600 before SQLite writes a byte; its -wal and -shm take the same mode
        var timeout = busyTimeout ?? TimeSpan.FromSeconds(30);
        _busyTimeout = timeout;
        _writers = new WriterGate(DatabasePath);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(timeout.TotalSeconds),
        };
        _connection = new SqliteConnection(builder.ToString());
        try
        {
            _connection.Open();
            Execute($"PRAGMA busy_timeout = {(int)timeout.TotalMilliseconds};");
            string mode = Scalar<string>("PRAGMA journal_mode = WAL;") ?? "";
            if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
                throw new StoreException(
                    $"The store '{DatabasePath}' could not switch to WAL mode (got '{mode}'): keep .fastband/ on a local disk, not a network share.");
            Execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
            SchemaVersion = SqliteMigrations.Apply(this);
        }
        catch (SqliteException e)
        {
            Dispose();
            throw new StoreException($"The store '{DatabasePath}' could not be opened: {e.Message}", e);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string DatabasePath { get; }

    /// <summary>True when this open created the database file.</summary>
    public bool Created { get; }
    public string Location => "sqlite:" + DatabasePath;
    public int SchemaVersion { get; private set; }
    public IOpsLogStore OpsLog => this;
    public IAgentStore Agents => this;

    /// <summary>SQLite cannot push: follow modes poll.</summary>
    public IStoreNotifications Notifications => PollingNotifications.Instance;

    public void Dispose()
    {
        _connection.Dispose();
        _writers.Dispose();
    }

    // ---------------------------------------------------------------- plumbing

    internal void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    internal T? Scalar<T>(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        object? v = cmd.ExecuteScalar();
        return v is null or DBNull ? default : (T)Convert.ChangeType(v, typeof(T), CultureInfo.InvariantCulture);
    }

    internal SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside BEGIN IMMEDIATE ... COMMIT, rolling back on any failure.
    /// Writers on this machine first queue on the <see cref="WriterGate"/>, so SQLite's coarse busy
    /// waiting is met only by writers that are not Fastband.
    /// </summary>
    internal T InWriteTransaction<T>(Func<T> work) => InWriteTransaction(work, null);

    /// <summary>As above, waiting at most <paramref name="lockWait"/> (default: the store's busy timeout) for the write lock.</summary>
    internal T InWriteTransaction<T>(Func<T> work, TimeSpan? lockWait)
    {
        var wait = lockWait ?? _busyTimeout;
        lock (_gate)
        {
            if (!_writers.TryEnter(wait))
                throw new StoreException($"The store '{DatabasePath}' stayed busy for {wait.TotalSeconds:0.#} s: another writer is stuck; find it with 'fuser {DatabasePath}'.", new TimeoutException());
            try
            {
                try
                {
                    BeginImmediate(wait);
                }
                catch (SqliteException e)
                {
                    throw new StoreException($"The store '{DatabasePath}' stayed busy past the timeout: {e.Message}", e);
                }
                try
                {
                    T result = work();
                    Execute("COMMIT;");
                    return result;
                }
                catch
                {
                    try { Execute("ROLLBACK;"); } catch (SqliteException) { /* the original failure matters more */ }
                    throw;
                }
            }
            finally
            {
                _writers.Exit();
            }
        }
    }

    /// <summary>BEGIN IMMEDIATE, with both SQLite's busy handler and Microsoft.Data.Sqlite's retry loop bounded by <paramref name="wait"/>.</summary>
    private void BeginImmediate(TimeSpan wait)
    {
        bool custom = wait != _busyTimeout;
        if (custom) Execute($"PRAGMA busy_timeout = {(int)wait.TotalMilliseconds};");
        try
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "BEGIN IMMEDIATE;";
            cmd.CommandTimeout = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            cmd.ExecuteNonQuery();
        }
        finally
        {
            if (custom) Execute($"PRAGMA busy_timeout = {(int)_busyTimeout.TotalMilliseconds};");
        }
    }

    internal static long ToMicros(DateTimeOffset t) => StoreRows.ToMicros(t);
    internal static DateTimeOffset FromMicros(long us) => StoreRows.FromMicros(us);

    // ---------------------------------------------------------------- ops log

    private const string EntryColumns = StoreRows.EntryColumns;

    public OpsLogEntry Append(NewOpsLogEntry entry, AgentTouch? touch)
    {
        string metadata = entry.Metadata.Count == 0 ? "{}" : JsonSerializer.Serialize(entry.Metadata, FastbandJson.Compact);
        return InWriteTransaction(() =>
        {
            var now = NotBeforeNewest(_clock.GetUtcNow());
            using var insert = Command(
                "INSERT INTO ops_log (ts_us, agent, event_type, message, ticket_id, metadata, host, pid) " +
                "VALUES ($ts, $agent, $type, $message, $ticket, $metadata, $host, $pid) RETURNING id;",
                ("$ts", ToMicros(now)), ("$agent", entry.Agent), ("$type", entry.EventType),
                ("$message", entry.Message), ("$ticket", entry.TicketId), ("$metadata", metadata),
                ("$host", entry.Host), ("$pid", entry.ProcessId));
            long id = (long)insert.ExecuteScalar()!;
            if (touch is not null) UpsertAgent(touch, now, registering: false);
            return new OpsLogEntry
            {
                Id = id, Timestamp = FromMicros(ToMicros(now)), Agent = entry.Agent, EventType = entry.EventType,
                Message = entry.Message, TicketId = entry.TicketId, Metadata = entry.Metadata,
                Host = entry.Host, ProcessId = entry.ProcessId,
            };
        });
    }

    /// <summary>
    /// Timestamps never go backwards as ids go up, even if the clock is stepped back: reads by time and
    /// reads by id then agree, and a time range can be served from the timestamp index in id order.
    /// </summary>
    private DateTimeOffset NotBeforeNewest(DateTimeOffset now)
    {
        long newest = Scalar<long>("SELECT COALESCE((SELECT ts_us FROM ops_log ORDER BY id DESC LIMIT 1), 0);");
        return ToMicros(now) >= newest ? now : FromMicros(newest);
    }

    public IReadOnlyList<OpsLogEntry> Query(OpsLogQuery query)
    {
        var (sql, parameters) = BuildQuery(query);
        lock (_gate)
        {
            using var cmd = Command(sql, parameters);
            return StoreRows.Entries(cmd);
        }
    }

    /// <summary>SQLite's plan for a query, one line per step: tests assert that ranges use an index.</summary>
    internal IReadOnlyList<string> ExplainQuery(OpsLogQuery query)
    {
        var (sql, parameters) = BuildQuery(query);
        lock (_gate)
        {
            using var cmd = Command("EXPLAIN QUERY PLAN " + sql, parameters);
            using var reader = cmd.ExecuteReader();
            var lines = new List<string>();
            while (reader.Read()) lines.Add(reader.GetString(3));
            return lines;
        }
    }

    private static (string Sql, (string, object?)[] Parameters) BuildQuery(OpsLogQuery query)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (query.Since is { } since) { where.Add("ts_us >= $since"); parameters.Add(("$since", ToMicros(since))); }
        if (query.Until is { } until) { where.Add("ts_us <= $until"); parameters.Add(("$until", ToMicros(until))); }
        if (query.Agent is { } agent) { where.Add("agent = $agent COLLATE NOCASE"); parameters.Add(("$agent", agent)); }
        if (query.TicketId is { } ticket) { where.Add("ticket_id = $ticket"); parameters.Add(("$ticket", ticket)); }
        if (query.AfterId is { } after) { where.Add("id > $after"); parameters.Add(("$after", after)); }
        if (query.EventTypes is { Count: > 0 } types)
        {
            var names = types.Select((t, i) => $"$type{i}").ToArray();
            where.Add($"event_type IN ({string.Join(", ", names)})");
            for (int i = 0; i < types.Count; i++) parameters.Add((names[i], types[i]));
        }
        // Timestamps follow ids (see NotBeforeNewest), so both orders below are the same order. A cursor
        // is a rowid range; anything else is read through the timestamp index, stopping at the limit.
        string direction = query.OldestFirst ? "" : " DESC";
        string order = query.AfterId is not null ? $" ORDER BY id{direction}" : $" ORDER BY ts_us{direction}, id{direction}";
        string sql = $"SELECT {EntryColumns} FROM ops_log"
                     + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
                     + order
                     + (query.Limit > 0 ? $" LIMIT {query.Limit}" : "");
        return (sql, parameters.ToArray());
    }

    public long LatestId()
    {
        lock (_gate) return Scalar<long>("SELECT COALESCE(MAX(id), 0) FROM ops_log;");
    }

    public long Count()
    {
        lock (_gate) return Scalar<long>("SELECT COUNT(*) FROM ops_log;");
    }

    public int MoveOlderThan(DateTimeOffset cutoff, int batchSize, Action<IReadOnlyList<OpsLogEntry>> sink)
    {
        return InWriteTransaction(() =>
        {
            using var select = Command(
                $"SELECT {EntryColumns} FROM ops_log WHERE ts_us < $cutoff ORDER BY id LIMIT $n;",
                ("$cutoff", ToMicros(cutoff)), ("$n", batchSize));
            var batch = StoreRows.Entries(select);
            if (batch.Count == 0) return 0;
            sink(batch);
            using var delete = Command("DELETE FROM ops_log WHERE id <= $last AND ts_us < $cutoff;",
                ("$last", batch[^1].Id), ("$cutoff", ToMicros(cutoff)));
            return delete.ExecuteNonQuery();
        });
    }

    // ---------------------------------------------------------------- agents

    public AgentSession Register(AgentTouch touch, DateTimeOffset now)
    {
        InWriteTransaction(() => { UpsertAgent(touch, now, registering: true); return 0; });
        return Get(touch.Agent)!;
    }

    private void UpsertAgent(AgentTouch touch, DateTimeOffset now, bool registering)
    {
        // A claim sets the ticket; a completion clears it only if it is the ticket completed.
        string ticketUpdate = touch.Ticket switch
        {
            TicketChange.Set => "current_ticket = excluded.current_ticket",
            TicketChange.Clear when touch.TicketId is null => "current_ticket = NULL",
            TicketChange.Clear => "current_ticket = CASE WHEN current_ticket = $ticket THEN NULL ELSE current_ticket END",
            _ => "current_ticket = current_ticket",
        };
        string registered = registering ? "registered_us = excluded.registered_us," : "";
        using var cmd = Command(
            "INSERT INTO agents (name, host, pid, process_started_us, registered_us, last_seen_us, current_ticket) " +
            "VALUES ($name, $host, $pid, $started, $now, $now, $initialTicket) " +
            "ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, " +
            $"process_started_us = excluded.process_started_us, {registered} last_seen_us = excluded.last_seen_us, {ticketUpdate};",
            ("$name", touch.Agent), ("$host", touch.Host), ("$pid", touch.ProcessId),
            ("$started", touch.ProcessStartedAt is { } s ? ToMicros(s) : null), ("$now", ToMicros(now)),
            ("$initialTicket", touch.Ticket == TicketChange.Set ? touch.TicketId : null), ("$ticket", touch.TicketId));
        cmd.ExecuteNonQuery();
    }

    public AgentSession? Get(string agent)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {AgentColumns} FROM agents WHERE name = $name COLLATE NOCASE;", ("$name", agent));
            return StoreRows.Agents(cmd).FirstOrDefault();
        }
    }

    public IReadOnlyList<AgentSession> List()
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {AgentColumns} FROM agents ORDER BY last_seen_us DESC, name;");
            return StoreRows.Agents(cmd);
        }
    }

    private const string AgentColumns = StoreRows.AgentColumns;
}
