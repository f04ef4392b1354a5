namespace Fastband.Core.Store;

/// <summary>What only PostgreSQL's catalog knows for a store copy: the schema's tables (information_schema, pg_constraint) and the identity sequences.</summary>
internal sealed class PostgresTables : TableStore
{
    private const string MigrationTable = "schema_version";

    private readonly PostgresTarget _target;

    public PostgresTables(PostgresStore db) : base(db) => _target = db.Target;

    public override IReadOnlyList<string> Tables() => Db.Read(() =>
    {
        var names = Db.Strings("SELECT table_name FROM information_schema.tables WHERE table_schema = @s AND table_type = 'BASE TABLE' AND table_name <> @m;",
            ("s", _target.Schema), ("m", MigrationTable));
        return TableOrder.ParentsFirst(names, t => Db.Strings(
            "SELECT parent.relname FROM pg_constraint k JOIN pg_class child ON k.conrelid = child.oid JOIN pg_class parent ON k.confrelid = parent.oid " +
            "JOIN pg_namespace n ON child.relnamespace = n.oid WHERE k.contype = 'f' AND n.nspname = @s AND child.relname = @t;",
            ("s", _target.Schema), ("t", t)));
    });

    public override IReadOnlyList<string> Columns(string table) => Db.Read(() =>
        Db.Strings("SELECT column_name FROM information_schema.columns WHERE table_schema = @s AND table_name = @t ORDER BY ordinal_position;",
            ("s", _target.Schema), ("t", table)));

    /// <summary>Several hundred rows per statement: one round trip each, well under the 65,535 parameters a statement may have.</summary>
    private protected override int RowsPerInsert(int columns) => 6000 / Math.Max(1, columns);

    /// <summary>Identity columns, by table.</summary>
    private Dictionary<string, string> IdentityColumns() =>
        Db.Rows("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = @s AND is_identity = 'YES';",
                r => (r.GetString(0), r.GetString(1)), ("s", _target.Schema))
            .ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);

    private string Sequence(string table, string column) =>
        Db.Scalar<string>("SELECT pg_get_serial_sequence(@t, @c);", ("t", $"{Quote(_target.Schema)}.{Quote(table)}"), ("c", column))!;

    private long LastValue(string sequence) => Db.Scalar<long>($"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence};");

    public override IReadOnlyDictionary<string, long> HighWaters() => Db.Read(() =>
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (table, column) in IdentityColumns())
        {
            long value = LastValue(Sequence(table, column));
            if (value > 0) result[table] = value;
        }
        return result;
    });

    public override void SetHighWater(string table, long value)
    {
        if (!IdentityColumns().TryGetValue(table, out var column)) return;
        string sequence = Sequence(table, column);
        // Rows copied in with their ids did not move the sequence: it must pass them too.
        value = Math.Max(value, Db.Scalar<long>($"SELECT COALESCE(MAX({Quote(column)}), 0) FROM {Quote(table)};"));
        if (value > LastValue(sequence)) Db.Execute("SELECT setval(@seq::regclass, @v, true);", ("seq", sequence), ("v", value));
    }
}
