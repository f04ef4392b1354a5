using Microsoft.Data.Sqlite;

namespace Fastband.Core.Store;

/// <summary>Raw table access for copying the store to another backend (see <see cref="StoreCopy"/>).</summary>
public sealed partial class SqliteStore : IStoreTables
{
    IReadOnlyList<string> IStoreTables.Tables()
    {
        lock (_gate)
        {
            var names = new List<string>();
            using (var cmd = Command("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';"))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) names.Add(r.GetString(0));
            return TableOrder.ParentsFirst(names, t => Strings($"SELECT \"table\" FROM pragma_foreign_key_list($t);", ("$t", t)));
        }
    }

    IReadOnlyList<string> IStoreTables.Columns(string table)
    {
        lock (_gate) return Strings("SELECT name FROM pragma_table_info($t) ORDER BY cid;", ("$t", table));
    }

    private List<string> Strings(string sql, params (string, object?)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        using var r = cmd.ExecuteReader();
        var result = new List<string>();
        while (r.Read()) result.Add(r.GetString(0));
        return result;
    }

    List<object?[]> IStoreTables.Rows(string table, IReadOnlyList<string> columns)
    {
        lock (_gate)
        {
            using var cmd = Command($"SELECT {string.Join(", ", columns.Select(Quote))} FROM {Quote(table)} ORDER BY 1;");
            using var r = cmd.ExecuteReader();
            var rows = new List<object?[]>();
            while (r.Read())
            {
                var row = new object?[columns.Count];
                for (int i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
                rows.Add(row);
            }
            return rows;
        }
    }

    long IStoreTables.Count(string table)
    {
        lock (_gate) return Scalar<long>($"SELECT COUNT(*) FROM {Quote(table)};");
    }

    void IStoreTables.Insert(string table, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        var names = columns.Select((_, i) => $"$c{i}").ToArray();
        using var insert = Command($"INSERT INTO {Quote(table)} ({string.Join(", ", columns.Select(Quote))}) VALUES ({string.Join(", ", names)});");
        var parameters = names.Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++) parameters[i].Value = row[i] ?? DBNull.Value;
            insert.ExecuteNonQuery();
        }
    }

    void IStoreTables.DeleteAll(string table) => Execute($"DELETE FROM {Quote(table)};");

    IReadOnlyDictionary<string, long> IStoreTables.HighWaters()
    {
        lock (_gate)
        {
            var result = new Dictionary<string, long>(StringComparer.Ordinal);
            using var cmd = Command("SELECT name, seq FROM sqlite_sequence;");
            using var r = cmd.ExecuteReader();
            while (r.Read()) result[r.GetString(0)] = r.GetInt64(1);
            return result;
        }
    }

    void IStoreTables.SetHighWater(string table, long value)
    {
        // Only AUTOINCREMENT tables keep a high-water mark; the others reuse ids by design.
        if (Scalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $t AND sql LIKE '%AUTOINCREMENT%';", ("$t", table)) == 0) return;
        using var update = Command("UPDATE sqlite_sequence SET seq = MAX(seq, $v) WHERE name = $t;", ("$t", table), ("$v", value));
        if (update.ExecuteNonQuery() == 0) Execute("INSERT INTO sqlite_sequence (name, seq) VALUES ($t, $v);", ("$t", table), ("$v", value));
    }

    T IStoreTables.ReadSnapshot<T>(Func<T> read)
    {
        lock (_gate)
        {
            Execute("BEGIN DEFERRED; SELECT COUNT(*) FROM sqlite_master;"); // a read transaction: one snapshot from its first read on
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

    T IStoreTables.WriteAll<T>(Func<T> write) => InWriteTransaction(write);

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
}
