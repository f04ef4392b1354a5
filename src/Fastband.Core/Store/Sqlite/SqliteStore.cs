using System.Globalization;
using System.Text.Json;
using Fastband.Core.Issues;
using Fastband.Core.OpsLog;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

/// <summary>
/// The default store: one SQLite file in WAL mode. Every write transaction begins with BEGIN IMMEDIATE
/// (a deferred transaction that later upgrades to a write fails with SQLITE_BUSY without honouring the
/// busy timeout), and every commit is durable (synchronous=FULL).
/// </summary>
public sealed partial class SqliteStore : RelationalStore
{
    private readonly SqliteConnection _connection;
    private readonly TimeSpan _busyTimeout;
    private readonly WriterGate _writers;

    public SqliteStore(string databasePath, TimeProvider? clock = null, TimeSpan? busyTimeout = null)
        : base(SqlDialect.Sqlite, clock ?? TimeProvider.System)
    {
        SqliteNative.EnsureInitialized();
        PhaseTrace.Mark("sqlite-loaded");
        Sessions = new SqliteSessions(this);
        Tables = new SqliteTables(this);
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
        if (PhaseTrace.Enabled)
        {
            SQLitePCL.raw.sqlite3_libversion_number(); // binds the library now, so the trace tells its loading from the open
            PhaseTrace.Mark("sqlite-bound");
        }
        try
        {
            _connection.Open();
            PhaseTrace.Mark("connection");
            Execute($"PRAGMA busy_timeout = {(int)timeout.TotalMilliseconds};");
            string mode = Scalar<string>("PRAGMA journal_mode = WAL;") ?? "";
            if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
                throw new StoreException(
                    $"The store '{DatabasePath}' could not switch to WAL mode (got '{mode}'): keep .fastband/ on a local disk, not a network share.");
            Execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
            PhaseTrace.Mark("pragmas");
            SchemaVersion = SqliteMigrations.Apply(this);
            PhaseTrace.Mark("schema");
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
    public override string Location => "sqlite:" + DatabasePath;
    internal override IStoreTables Tables { get; }

    /// <summary>SQLite cannot push: follow modes poll.</summary>
    public override IStoreNotifications Notifications => PollingNotifications.Instance;

    public override void Dispose()
    {
        lock (_prepared)
        {
            foreach (var cmd in _prepared.Values) cmd.Dispose();
            _prepared.Clear();
        }
        _connection.Dispose();
        _writers.Dispose();
    }

    // ---------------------------------------------------------------- plumbing

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Prefixed = new(StringComparer.Ordinal);

    internal override string ParameterName(string name) => PrefixedName(name);

    private static string PrefixedName(string name) =>
        name.Length > 0 && name[0] is '@' or '$' or ':' ? name : Prefixed.GetOrAdd(name, static n => "@" + n);

    internal override SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        // Bound by their full name (@id): a bare name (id) makes Microsoft.Data.Sqlite look it up under every prefix
        // it knows (to refuse an ambiguous one), each a string and a UTF-8 copy per parameter per execution, which
        // doubled what a write statement allocated.
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(PrefixedName(name), value ?? DBNull.Value);
        return cmd;
    }

    // Kept per connection, one per SQL text; the cap bounds texts built per call (a multi-row insert per row count).
    private const int MaxPrepared = 128;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    internal override Statement Prepared(string sql, params (string Name, object? Value)[] parameters)
    {
        SqliteCommand? cmd;
        lock (_prepared)
        {
            if (!_prepared.TryGetValue(sql, out cmd))
            {
                if (_prepared.Count >= MaxPrepared) return new Statement(Command(sql, parameters), owned: true);
                cmd = _connection.CreateCommand();
                cmd.CommandText = sql;
                _prepared[sql] = cmd;
            }
        }
        // Microsoft.Data.Sqlite keeps a command's prepared statements until its text changes or it is disposed; only the values change here.
        cmd.Parameters.Clear();
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(PrefixedName(name), value ?? DBNull.Value);
        return new Statement(cmd, owned: false);
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside BEGIN IMMEDIATE ... COMMIT, rolling back on any failure.
    /// Writers on this machine first queue on the <see cref="WriterGate"/>, so SQLite's coarse busy
    /// waiting is met only by writers that are not Fastband.
    /// </summary>
    internal override T InWriteTransaction<T>(Func<T> work, TimeSpan? lockWait)
    {
        var wait = lockWait ?? _busyTimeout;
        lock (Gate)
        {
            PhaseTrace.Mark("before-gate");
            if (!_writers.TryEnter(wait))
                throw new StoreException($"The store '{DatabasePath}' stayed busy for {wait.TotalSeconds:0.#} s: another writer is stuck; find it with 'fuser {DatabasePath}'.", new TimeoutException());
            try
            {
                PhaseTrace.Mark("writer-gate");
                try
                {
                    BeginImmediate(wait);
                    PhaseTrace.Mark("begin");
                }
                catch (SqliteException e)
                {
                    throw new StoreException($"The store '{DatabasePath}' stayed busy past the timeout: {e.Message}", e);
                }
                try
                {
                    T result = work();
                    PhaseTrace.Mark("work");
                    ExecutePrepared("COMMIT;");
                    PhaseTrace.Mark("commit");
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

    /// <summary>A read transaction, one snapshot from its first read on; inside an open transaction, that one.</summary>
    internal override T InReadSnapshot<T>(Func<T> read)
    {
        lock (Gate)
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0) return read();
            Execute("BEGIN DEFERRED; SELECT COUNT(*) FROM sqlite_master;");
            try
            {
                return read();
            }
            finally
            {
                Execute("COMMIT;");
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

    public override IReadOnlyList<string> QuickCheck()
    {
        var lines = Read(() => Rows("PRAGMA quick_check;", r => r.GetString(0)));
        return lines.Count == 1 && lines[0] == "ok" ? Array.Empty<string>() : lines;
    }

    /// <summary>SQLite's plan for an ops log query, one line per step: tests assert that ranges use an index.</summary>
    internal IReadOnlyList<string> ExplainQuery(OpsLogQuery query) => Explain(((OpsLogStore)OpsLog).BuildQuery(query));

    /// <summary>SQLite's plan for an issue listing: tests assert that the available list reads the partial index.</summary>
    internal IReadOnlyList<string> ExplainIssueQuery(IssueQuery query) => Explain(((IssueStore)Issues).BuildListQuery(query));

    private IReadOnlyList<string> Explain((string Sql, (string, object?)[] Parameters) query) =>
        Read(() => Rows("EXPLAIN QUERY PLAN " + query.Sql, r => r.GetString(3), query.Parameters));
}
