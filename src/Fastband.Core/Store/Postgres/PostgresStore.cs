using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Fastband.Core.OpsLog;
using Npgsql;

namespace Fastband.Core.Store;

/// <summary>
/// The shared store: the same tables as <see cref="SqliteStore"/> in one schema of a PostgreSQL database, for
/// agents on several machines. Every write transaction first takes one transaction-scoped advisory lock for
/// the store (pg_advisory_xact_lock), so writers queue exactly as BEGIN IMMEDIATE makes them queue on SQLite:
/// one at a time, each seeing everything committed before it. That is what keeps ids in commit order (a
/// follower's cursor never skips an id that commits late), sequence numbers gapless and timestamps taken
/// inside the lock monotonic. Reads run outside the lock on committed data.
/// The PostgreSQL SQL of each feature not yet written once (Relational/*.cs) sits in its file (PostgresStore.Events.cs, ...), beside the
/// SQLite SQL's file of the same name; rows are read by the shared <see cref="StoreRows"/>.
/// </summary>
public sealed partial class PostgresStore : RelationalStore
{
    /// <summary>First half of the advisory lock keys; the second is the store's <see cref="PostgresTarget.StoreKey"/>.</summary>
    private const int WriterLockClass = 0x46420001, MigrationLockClass = 0x46420002;

    private readonly NpgsqlConnection _connection;
    private NpgsqlTransaction? _transaction;
    private PostgresNotifications? _notifications;

    /// <summary>
    /// Connects and migrates. With <c>connectLazily</c>, when the server cannot be reached now, opens anyway: every use of the store tries to connect (and migrate)
    /// first, failing with the same unreachable message until the server answers. For callers with an offline
    /// path (the event log queues what it cannot write); anything else is better told at once.
    /// </summary>
    public PostgresStore(PostgresTarget target, TimeProvider? clock = null, TimeSpan? lockTimeout = null, bool connectLazily = false)
        : base(SqlDialect.Postgres, clock ?? TimeProvider.System)
    {
        Target = target;
        OpsLog = new OneTripOpsLog(this, AgentRecords);
        Tables = new PostgresTables(this);
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(30);
        _connection = new NpgsqlConnection(target.ConnectionString());
        try
        {
            lock (Gate) EnsureConnected();
        }
        catch (StoreException e) when (connectLazily && e.InnerException is not PostgresException && _connection.State != ConnectionState.Open)
        {
            // Unreachable (not refused by the server, which would refuse the next try too): connect on first use.
        }
        catch (PostgresException e)
        {
            Dispose();
            throw new StoreException($"The PostgreSQL store {Location} could not be opened: {e.MessageText} ({e.SqlState}); check that the user may create tables in schema {target.Schema}.", e);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public PostgresTarget Target { get; }

    internal TimeSpan LockTimeout { get; }
    public override string Location => Target.Location;
    internal override IStoreTables Tables { get; }
    public override IStoreNotifications Notifications => _notifications ??= new PostgresNotifications(Target);

    /// <summary>The NOTIFY channel of a topic in this store (stores in other schemas of the database have their own).</summary>
    internal string Channel(string topic) => PostgresNotifications.Channel(Target, topic);

    public override void Dispose()
    {
        _connection.Dispose();
    }

    // ---------------------------------------------------------------- plumbing

    /// <summary>Opens the connection and sets the session up: after the first open, also after a lost connection.</summary>
    private void Connect()
    {
        try
        {
            _connection.Open();
            // A writer stuck behind another for this long fails clearly rather than hanging the agent.
            using var setup = new NpgsqlCommand($"SET lock_timeout = {(long)LockTimeout.TotalMilliseconds}; SET TIME ZONE 'UTC';", _connection);
            setup.ExecuteNonQuery();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            if (_connection.State != ConnectionState.Closed) _connection.Close();
            throw Target.Unreachable(e);
        }
    }

    /// <summary>
    /// A connection the server dropped (a restart, a network cut) is broken for good: open a fresh one before the
    /// next command, outside any transaction. When the server is still away this fails with
    /// <see cref="PostgresTarget.Unreachable"/>, which the event log takes as "queue offline".
    /// </summary>
    private void EnsureConnected()
    {
        if (_transaction is not null || (_connection.State == ConnectionState.Open && _migrated)) return;
        if (_connection.State != ConnectionState.Open)
        {
            if (_connection.State != ConnectionState.Closed) _connection.Close();
            Connect();
        }
        if (_migrated || _migrating) return;
        _migrating = true;
        try
        {
            (SchemaVersion, Created) = PostgresMigrations.Apply(this);
            _migrated = true;
        }
        catch (PostgresException e)
        {
            throw new StoreException($"The PostgreSQL store {Location} could not be opened: {e.MessageText} ({e.SqlState}); check that the user may create tables in schema {Target.Schema}.", e);
        }
        finally
        {
            _migrating = false;
        }
    }

    /// <summary>Migrations ran on this store's connection (once, at the first connect); they are running now.</summary>
    private bool _migrated, _migrating;

    /// <summary>A command on the store's connection (in the open transaction, if any); parameters are named @name.</summary>
    internal override NpgsqlCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        EnsureConnected();
        var cmd = new NpgsqlCommand(sql, _connection, _transaction);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction that holds the store's writer lock from its first statement
    /// to its commit, rolling back on any failure: PostgreSQL's counterpart of SQLite's BEGIN IMMEDIATE.
    /// </summary>
    internal override T InWriteTransaction<T>(Func<T> work, TimeSpan? lockWait) => InTransaction(WriterLockClass, work, lockWait);

    /// <summary>The same under the migration lock, which only stores opening at the same moment contend for.</summary>
    internal T InMigrationTransaction<T>(Func<T> work) => InTransaction(MigrationLockClass, work, null);

    private T InTransaction<T>(int lockClass, Func<T> work, TimeSpan? lockWait)
    {
        lock (Gate)
        {
            EnsureConnected();
            _transaction = _connection.BeginTransaction(IsolationLevel.ReadCommitted);
            try
            {
                try
                {
                    // SET LOCAL ends with the transaction: the session's own lock_timeout applies again after it.
                    if (lockWait is { } wait) Execute($"SET LOCAL lock_timeout = {Math.Max(1, (long)wait.TotalMilliseconds)};");
                    Execute("SELECT pg_advisory_xact_lock(@class, @key);", ("class", lockClass), ("key", Target.StoreKey));
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
                {
                    throw Busy(e, lockWait);
                }
                T result = work();
                _transaction.Commit();
                return result;
            }
            catch
            {
                try { _transaction.Rollback(); } catch (Exception e) when (e is NpgsqlException or InvalidOperationException) { /* the original failure matters more */ }
                throw;
            }
            finally
            {
                _transaction.Dispose();
                _transaction = null;
            }
        }
    }

    /// <summary>A repeatable-read transaction: one snapshot from its first statement on; inside an open transaction, that one.</summary>
    internal override T InReadSnapshot<T>(Func<T> read)
    {
        lock (Gate)
        {
            if (_transaction is not null) return read();
            EnsureConnected();
            _transaction = _connection.BeginTransaction(IsolationLevel.RepeatableRead);
            try
            {
                T result = read();
                _transaction.Commit();
                return result;
            }
            finally
            {
                _transaction.Dispose();
                _transaction = null;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (one or more statements) after taking the writer lock, all in one round trip:
    /// PostgreSQL runs the batch as one implicit transaction, so it commits whole or not at all, and the lock is
    /// held only while the server executes it. <paramref name="read"/> reads the first statement's first row.
    /// For writes whose statements do not depend on answers the client must see first (appends, sends).
    /// </summary>
    internal override T InOneTrip<T>(string sql, IReadOnlyList<(string, object?)> parameters, Func<DbDataReader, T> read)
    {
        lock (Gate)
        {
            using var cmd = Command($"SELECT pg_advisory_xact_lock({WriterLockClass}, {Target.StoreKey});" + sql, parameters.ToArray());
            try
            {
                using var r = cmd.ExecuteReader();
                r.NextResult();
                if (!r.Read()) throw new StoreException($"The store {Location} returned no row for a write: {sql.Split(' ')[0]} ...");
                T result = read(r);
                while (r.NextResult()) { } // the later statements' failures surface here, and roll the whole batch back
                return result;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                throw Busy(e, null);
            }
        }
    }

    /// <summary>Every row of <paramref name="cmd"/>, each read by <paramref name="row"/> (for the feature files not yet written once).</summary>
    private static List<T> Rows<T>(DbCommand cmd, Func<DbDataReader, T> row)
    {
        var result = new List<T>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) result.Add(row(r));
        return result;
    }

    /// <summary>
    /// PostgreSQL's counterpart of SQLite's PRAGMA quick_check, cheap enough for every <c>fastband health</c>: the
    /// server answers a read in the store's schema, the schema is at the version this Fastband migrated it to,
    /// every table the migrations create is there, and no index of the schema is left invalid (a failed
    /// concurrent build, say). Page-level corruption is the server's business (data checksums, amcheck).
    /// </summary>
    public override IReadOnlyList<string> QuickCheck()
    {
        lock (Gate)
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

    private StoreException Busy(Exception e, TimeSpan? wait) =>
        new($"The store {Location} stayed busy for {(wait ?? LockTimeout).TotalSeconds:0.#} s: another writer is stuck; find it in pg_stat_activity (application_name fastband) and pg_locks (locktype advisory).", e);

    /// <summary>Notifies listeners of <paramref name="topic"/>; inside a write transaction, delivered at its commit.</summary>
    internal override void Notify(string topic) => Execute("SELECT pg_notify(@channel, '');", ("channel", Channel(topic)));

    /// <summary>
    /// The ops log append in one round trip (<see cref="InOneTrip"/>): the writer lock, then one statement that
    /// inserts, records the writer's presence (a data-modifying CTE, which always runs) and notifies followers. The
    /// lock is held only while the server works, never across a client round trip, which is what keeps eight
    /// appending processes fast (docs/benchmarks.md).
    /// </summary>
    private sealed class OneTripOpsLog : OpsLogStore
    {
        public OneTripOpsLog(PostgresStore db, AgentStore agents) : base(db, agents) { }

        public override OpsLogEntry Append(NewOpsLogEntry entry, AgentTouch? touch)
        {
            var store = (PostgresStore)Db;
            string sql =
                "WITH ins AS (INSERT INTO ops_log (ts_us, agent, event_type, message, ticket_id, metadata, host, pid) " +
                $"VALUES ({NotBeforeNewest("@ts")}, @agent, @type, @message, @ticket, @metadata, @host, @pid) RETURNING id, ts_us)" +
                (touch is null ? "" : $", who AS ({Agents.UpsertSql(touch, registering: false, now: "ins.ts_us", from: " FROM ins")})") +
                " SELECT id, ts_us, pg_notify(@channel, '') FROM ins;";
            var parameters = new List<(string, object?)>
            {
                ("ts", ToMicros(Db.Clock.GetUtcNow())), ("agent", entry.Agent), ("type", entry.EventType),
                ("message", entry.Message), ("ticket", entry.TicketId), ("metadata", MetadataJson(entry)),
                ("host", entry.Host), ("pid", entry.ProcessId), ("channel", store.Channel(StoreTopics.OpsLog)),
            };
            if (touch is not null) parameters.AddRange(AgentStore.Parameters(touch));
            var (id, tsUs) = Db.InOneTrip(sql, parameters, r => (r.GetInt64(0), r.GetInt64(1)));
            return Entry(entry, id, tsUs);
        }
    }
}
