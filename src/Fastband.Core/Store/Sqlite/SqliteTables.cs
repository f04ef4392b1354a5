namespace Fastband.Core.Store;

/// <summary>What only SQLite's catalog knows for a store copy: its tables (sqlite_master, pragmas) and sqlite_sequence.</summary>
internal sealed class SqliteTables : TableStore
{
    public SqliteTables(SqliteStore db) : base(db) { }

    public override IReadOnlyList<string> Tables() => Db.Read(() =>
    {
        var names = Db.Strings("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';");
        return TableOrder.ParentsFirst(names, t => Db.Strings("SELECT \"table\" FROM pragma_foreign_key_list(@t);", ("t", t)));
    });

    public override IReadOnlyList<string> Columns(string table) =>
        Db.Read(() => Db.Strings("SELECT name FROM pragma_table_info(@t) ORDER BY cid;", ("t", table)));

    public override IReadOnlyDictionary<string, long> HighWaters() =>
        Db.Read(() => Db.Rows("SELECT name, seq FROM sqlite_sequence;", r => (r.GetString(0), r.GetInt64(1)))
            .ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal));

    public override void SetHighWater(string table, long value)
    {
        // Only AUTOINCREMENT tables keep a high-water mark; the others reuse ids by design.
        if (Db.Scalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @t AND sql LIKE '%AUTOINCREMENT%';", ("t", table)) == 0) return;
        if (Db.Execute("UPDATE sqlite_sequence SET seq = MAX(seq, @v) WHERE name = @t;", ("t", table), ("v", value)) == 0)
            Db.Execute("INSERT INTO sqlite_sequence (name, seq) VALUES (@t, @v);", ("t", table), ("v", value));
    }
}
