using System.Data.Common;
using System.Globalization;

namespace Fastband.Core.Store;

/// <summary>
/// What every feature store needs from a backend: one connection used by one operation at a time, commands
/// with <c>@name</c> parameters, a write transaction that holds the store's writer lock from its first statement
/// to its commit, and the backend's <see cref="SqlDialect"/>. The feature stores (Relational/*.cs) are written
/// once over this; <see cref="SqliteStore"/> and <see cref="PostgresStore"/> supply only the connection, the
/// writer lock, migrations, notifications and the catalog, and replace a feature store only for a measured
/// backend-specific path (PostgreSQL's one-trip ops log append, SQLite's large-session blob I/O).
/// </summary>
public abstract class RelationalStore : IFastbandStore
{
    private protected RelationalStore(SqlDialect dialect, TimeProvider clock)
    {
        Dialect = dialect;
        Clock = clock;
        AgentRecords = new AgentStore(this);
        OpsLog = new OpsLogStore(this, AgentRecords);
        var locks = new LockStore(this);
        Locks = locks;
        Leader = new LeaderStore(this, locks);
        Messages = new MessageStore(this);
        Statuses = new StatusStore(this);
        Events = new EventStore(this);
        Issues = new IssueStore(this);
        Sessions = new SessionStore(this);
    }

    /// <summary>The agents table, which other features' writes record the writer's presence in.</summary>
    internal AgentStore AgentRecords { get; }

    public IAgentStore Agents => AgentRecords;

    public IOpsLogStore OpsLog { get; private protected set; }

    public ILockStore Locks { get; }

    public ILeaderStore Leader { get; }

    public IMessageStore Messages { get; }

    public IStatusStore Statuses { get; }

    public IEventStore Events { get; }

    public IIssueStore Issues { get; }

    public ISessionStore Sessions { get; private protected set; }

    public abstract string Location { get; }

    /// <summary>True when opening this store created it empty (a new SQLite file, or tables made in an empty PostgreSQL schema).</summary>
    public bool Created { get; private protected set; }

    /// <summary>The schema version after migrations ran; 0 while a PostgreSQL store opened offline has not connected yet.</summary>
    public int SchemaVersion { get; private protected set; }

    public abstract IStoreNotifications Notifications { get; }

    public abstract IReadOnlyList<string> QuickCheck();

    public abstract void Dispose();

    internal SqlDialect Dialect { get; }

    internal TimeProvider Clock { get; }

    /// <summary>One operation at a time on the connection: reads take it, write transactions hold it throughout.</summary>
    internal object Gate { get; } = new();

    /// <summary>A command on the store's connection (in the open write transaction, if any); parameters are named without their <c>@</c>.</summary>
    internal abstract DbCommand Command(string sql, params (string Name, object? Value)[] parameters);

    /// <summary>
    /// A statement on a hot path (the lock transactions run a dozen per grant), kept prepared on the connection where
    /// the backend allows it (<see cref="SqliteStore"/>: SQLite would otherwise parse and plan it on every run);
    /// elsewhere a fresh <see cref="Command"/>. Dispose the <see cref="Statement"/>, never its command.
    /// </summary>
    internal virtual Statement Prepared(string sql, params (string Name, object? Value)[] parameters) => new(Command(sql, parameters), owned: true);

    /// <summary><see cref="Execute"/> through <see cref="Prepared"/>.</summary>
    internal int ExecutePrepared(string sql, params (string Name, object? Value)[] parameters)
    {
        using var statement = Prepared(sql, parameters);
        return statement.Command.ExecuteNonQuery();
    }

    /// <summary><see cref="Scalar{T}"/> through <see cref="Prepared"/>.</summary>
    internal T? ScalarPrepared<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        using var statement = Prepared(sql, parameters);
        object? v = statement.Command.ExecuteScalar();
        return v is null or DBNull ? default : (T)Convert.ChangeType(v, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>A command from <see cref="Prepared"/>: disposing it disposes a fresh command and keeps a prepared one.</summary>
    internal readonly struct Statement(DbCommand command, bool owned) : IDisposable
    {
        public DbCommand Command { get; } = command;

        public void Dispose()
        {
            if (owned) Command.Dispose();
        }
    }

    /// <summary>The name <see cref="Command"/> gave the parameter <paramref name="name"/> (to set it again on a command run many times).</summary>
    internal virtual string ParameterName(string name) => name;

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction that holds the store's writer lock from its first statement
    /// to its commit, rolling back on any failure. Waits at most <paramref name="lockWait"/> (default: the store's
    /// own timeout) for the lock, then fails as busy.
    /// </summary>
    internal abstract T InWriteTransaction<T>(Func<T> work, TimeSpan? lockWait);

    internal T InWriteTransaction<T>(Func<T> work) => InWriteTransaction(work, null);

    internal void InWriteTransaction(Action work) => InWriteTransaction(() => { work(); return 0; }, null);

    /// <summary>
    /// A write of statements that need no answer from the client between them, reading the first row of the first
    /// result. Here: a write transaction. PostgreSQL overrides it to send the writer lock and the statements in
    /// one round trip, so the lock is never held across the network.
    /// </summary>
    internal virtual T InOneTrip<T>(string sql, IReadOnlyList<(string, object?)> parameters, Func<DbDataReader, T> read) =>
        InWriteTransaction(() =>
        {
            using var cmd = Command(sql, parameters.ToArray());
            using var r = cmd.ExecuteReader();
            if (!r.Read()) throw new StoreException($"The store returned no row for a write: {sql.Split(' ')[0]} ...");
            return read(r);
        });

    /// <summary>
    /// Runs <paramref name="read"/> on one consistent snapshot of the store (SQLite: a read transaction; PostgreSQL:
    /// a repeatable-read transaction), under the connection's gate. Inside an open transaction it reads there.
    /// </summary>
    internal abstract T InReadSnapshot<T>(Func<T> read);

    /// <summary>Raw table access for copying the whole store to the other backend (<see cref="StoreCopy"/>).</summary>
    internal abstract IStoreTables Tables { get; }

    /// <summary>Tells followers of <paramref name="topic"/> that something changed; inside a write transaction, at its commit. Nothing on SQLite, which followers poll.</summary>
    internal virtual void Notify(string topic) { }

    /// <summary>Runs a read under the connection's gate.</summary>
    internal T Read<T>(Func<T> read)
    {
        lock (Gate) return read();
    }

    internal int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    internal T? Scalar<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        object? v = cmd.ExecuteScalar();
        return v is null or DBNull ? default : (T)Convert.ChangeType(v, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Every row of <paramref name="sql"/>, each read by <paramref name="row"/>.</summary>
    internal List<T> Rows<T>(string sql, Func<DbDataReader, T> row, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        using var r = cmd.ExecuteReader();
        var result = new List<T>();
        while (r.Read()) result.Add(row(r));
        return result;
    }

    /// <summary>The first column of every row of <paramref name="sql"/>, as text.</summary>
    internal List<string> Strings(string sql, params (string Name, object? Value)[] parameters) => Rows(sql, r => r.GetString(0), parameters);

    internal static long ToMicros(DateTimeOffset t) => StoreRows.ToMicros(t);

    internal static DateTimeOffset FromMicros(long us) => StoreRows.FromMicros(us);
}
