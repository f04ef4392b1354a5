using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fastband.Core.Tests.Store;

/// <summary>
/// A store's schema as lines of text, normalized and in a fixed order, so that two stores compare line by line and
/// a fixture file holds what the migrations create. Every line names its table (or object) first and stands alone,
/// so that the lines one migration step adds are the lines of the dump after it that were not there before.
/// </summary>
internal static partial class SchemaDump
{
    /// <summary>Runs of whitespace as one space, none inside parentheses or before commas.</summary>
    public static string Normalize(string? sql)
    {
        if (sql is null) return "NULL";
        string s = Whitespace().Replace(sql.Trim(), " ");
        s = Regex.Replace(s, @"\( ", "(");
        s = Regex.Replace(s, @" ([),])", "$1");
        return s;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private static string Text(object? value) => value switch
    {
        null or DBNull => "NULL",
        byte[] b => "x'" + Convert.ToHexString(b) + "'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static List<object?[]> Rows(DbConnection c, string sql, params (string, object)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        using var r = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>The rows of a table that has any (the migrations' seed rows), sorted.</summary>
    private static IEnumerable<string> TableRows(DbConnection c, string table, string from)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {from};";
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
            rows.Add($"{table} row: " + string.Join(", ", Enumerable.Range(0, r.FieldCount).Select(i => $"{r.GetName(i)}={Text(r.IsDBNull(i) ? null : r.GetValue(i))}")));
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    // ---------------------------------------------------------------- SQLite

    /// <summary>The schema of the SQLite database at <paramref name="path"/> (not its user_version).</summary>
    public static IReadOnlyList<string> Sqlite(string path)
    {
        Fastband.Core.Store.SqliteNative.EnsureInitialized();
        using var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        c.Open();
        var lines = new List<string>();
        var objects = Rows(c, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY tbl_name, type = 'table' DESC, name;");
        foreach (var o in objects)
            lines.Add($"{o[2]} {o[0]} {o[1]}: {Normalize((string?)o[3])}");
        foreach (string table in objects.Where(o => (string)o[0]! == "table").Select(o => (string)o[1]!))
        {
            string t = Quote(table);
            foreach (var col in Rows(c, $"SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo({Lit(table)}) ORDER BY cid;"))
            {
                string name = (string)col[1]!;
                int rc = SQLitePCL.raw.sqlite3_table_column_metadata(c.Handle, "main", table, name,
                    out string dataType, out string collation, out int notNull, out int primaryKey, out int autoInc);
                if (rc != SQLitePCL.raw.SQLITE_OK) throw new InvalidOperationException($"column metadata of {table}.{name}: {rc}");
                lines.Add($"{table} column {Convert.ToInt64(col[0], CultureInfo.InvariantCulture):00} {name}: type={col[2]} notnull={col[3]} default={Text(col[4])} pk={col[5]} hidden={col[6]} collation={collation} autoincrement={autoInc}");
            }
            foreach (var ix in Rows(c, $"SELECT seq, name, \"unique\", origin, partial FROM pragma_index_list({Lit(table)}) ORDER BY name;"))
            {
                string index = (string)ix[1]!;
                lines.Add($"{table} index {index}: unique={ix[2]} origin={ix[3]} partial={ix[4]}");
                foreach (var k in Rows(c, $"SELECT seqno, cid, name, \"desc\", coll, key FROM pragma_index_xinfo({Lit(index)}) ORDER BY seqno;"))
                    lines.Add($"{table} index {index} column {k[0]}: cid={k[1]} name={Text(k[2])} desc={k[3]} collation={Text(k[4])} key={k[5]}");
            }
            foreach (var fk in Rows(c, $"SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" FROM pragma_foreign_key_list({Lit(table)}) ORDER BY id, seq;"))
                lines.Add($"{table} foreign key {fk[0]}.{fk[1]}: ({fk[3]}) references {fk[2]} ({Text(fk[4])}) on update {fk[5]} on delete {fk[6]} match {fk[7]}");
            lines.AddRange(TableRows(c, table, t));
        }
        return lines;
    }

    private static string Lit(string s) => "'" + s.Replace("'", "''") + "'";

    // ---------------------------------------------------------------- PostgreSQL

    /// <summary>
    /// The schema <paramref name="schema"/> of the PostgreSQL database <paramref name="c"/> is connected to, with the
    /// schema's name taken out of the definitions (each store lives in a schema of its own). The rows of
    /// schema_version are left out: they are the version, not the shape.
    /// </summary>
    public static IReadOnlyList<string> Postgres(NpgsqlConnection c, string schema)
    {
        string Strip(string? s) => s is null ? "NULL" : Normalize(s.Replace(Quote(schema) + ".", "").Replace(schema + ".", ""));
        var s = ("s", (object)schema);
        var lines = new List<string>();
        foreach (var rel in Rows(c, "SELECT c.relname, c.relkind::text, COALESCE(t.relname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
                                    "LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid WHERE n.nspname = @s ORDER BY 3, 1;", s))
            lines.Add($"{rel[2]} relation {rel[0]}: kind={rel[1]}");
        foreach (var col in Rows(c, "SELECT table_name, ordinal_position, column_name, data_type, is_nullable, column_default, collation_name, " +
                                    "is_identity, identity_generation, identity_start, identity_increment, identity_minimum, identity_maximum, identity_cycle, is_generated " +
                                    "FROM information_schema.columns WHERE table_schema = @s ORDER BY table_name, ordinal_position;", s))
        {
            string identity = (string)col[7]! == "YES"
                ? $"{col[8]} start={col[9]} increment={col[10]} min={col[11]} max={col[12]} cycle={col[13]}"
                : "NO";
            lines.Add($"{col[0]} column {Convert.ToInt64(col[1], CultureInfo.InvariantCulture):00} {col[2]}: type={col[3]} nullable={col[4]} default={Strip((string?)col[5])} " +
                      $"collation={Text(col[6])} identity={identity} generated={col[14]}");
        }
        foreach (var ix in Rows(c, "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = @s ORDER BY tablename, indexname;", s))
            lines.Add($"{ix[0]} index {ix[1]}: {Strip((string)ix[2]!)}");
        // NOT NULL is the columns' nullable (and a constraint of its own only from PostgreSQL 18 on).
        foreach (var k in Rows(c, "SELECT t.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid), k.condeferrable, k.condeferred " +
                                  "FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace " +
                                  "WHERE n.nspname = @s AND k.contype <> 'n' ORDER BY t.relname, k.conname;", s))
            lines.Add($"{k[0]} constraint {k[1]}: type={k[2]} deferrable={Text(k[4])} deferred={Text(k[5])} {Strip((string)k[3]!)}");
        foreach (var q in Rows(c, "SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by, cycle, cache_size FROM pg_sequences WHERE schemaname = @s ORDER BY sequencename;", s))
            lines.Add($"{q[0]} sequence: type={q[1]} start={q[2]} min={q[3]} max={q[4]} increment={q[5]} cycle={Text(q[6])} cache={q[7]}");
        foreach (var tg in Rows(c, "SELECT t.relname, g.tgname, pg_get_triggerdef(g.oid) FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace " +
                                   "WHERE n.nspname = @s AND NOT g.tgisinternal ORDER BY 1, 2;", s))
            lines.Add($"{tg[0]} trigger {tg[1]}: {Strip((string)tg[2]!)}");
        foreach (var f in Rows(c, "SELECT p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = @s ORDER BY 1, 2;", s))
            lines.Add($"function {f[0]}({f[1]})");
        foreach (string table in Rows(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = @s ORDER BY table_name;", s).Select(r => (string)r[0]!))
            if (table != "schema_version")
                lines.AddRange(TableRows(c, table, $"{Quote(schema)}.{Quote(table)}"));
        return lines;
    }

    // ---------------------------------------------------------------- the fixture files

    /// <summary>
    /// The lines each step adds: section k holds the lines of <paramref name="afterStep"/>[k] (the dump after k steps,
    /// [0] before the first) that the dump before it lacked. Fails when a step takes anything away.
    /// </summary>
    public static string Fixture(string header, IReadOnlyList<IReadOnlyList<string>> afterStep)
    {
        var text = new System.Text.StringBuilder();
        foreach (string line in header.Split('\n')) text.Append("# ").Append(line).Append('\n');
        var before = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < afterStep.Count; k++)
        {
            var now = afterStep[k];
            var gone = before.Where(l => !now.Contains(l)).ToList();
            if (gone.Count > 0) throw new InvalidOperationException($"step {k} took away:\n" + string.Join("\n", gone));
            text.Append('\n').Append(k == 0 ? "## before step 1" : $"## step {k}").Append('\n');
            foreach (string line in now.Where(l => !before.Contains(l))) text.Append(line).Append('\n');
            before.UnionWith(now);
        }
        return text.ToString();
    }

    /// <summary>The fixture's lines without its comments and headings, sorted: to compare with a whole store's dump.</summary>
    public static IReadOnlyList<string> FixtureLines(string fixture) => fixture.Split('\n')
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Order(StringComparer.Ordinal).ToList();
}
