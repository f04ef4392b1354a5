using System.Data;
using System.Text;
using Npgsql;

namespace Fastband.Core.Store;

/// <summary>Raw table access for copying the store to another backend (see <see cref="StoreCopy"/>).</summary>
public sealed partial class PostgresStore : IStoreTables
{
    private const string MigrationTable = "schema_version";

    IReadOnlyList<string> IStoreTables.Tables()
    {
        lock (_gate)
        {
            var names = Strings("SELECT table_name FROM information_schema.tables WHERE table_schema = @s AND table_type = 'BASE TABLE' AND table_name <> @m;",
                ("s", Target.Schema), ("m", MigrationTable));
            return TableOrder.ParentsFirst(names, t => Strings(
                "SELECT parent.relname FROM pg_constraint k JOIN pg_class child ON k.conrelid = child.oid JOIN pg_class parent ON k.confrelid = parent.oid " +
                "JOIN pg_namespace n ON child.relnamespace = n.oid WHERE k.contype = 'f' AND n.nspname = @s AND child.relname = @t;",
                ("s", Target.Schema), ("t", t)));
        }
    }

    IReadOnlyList<string> IStoreTables.Columns(string table)
    {
        lock (_gate)
            return Strings("SELECT column_name FROM information_schema.columns WHERE table_schema = @s AND table_name = @t ORDER BY ordinal_position;",
                ("s", Target.Schema), ("t", table));
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
            using var cmd = Command($"SELECT {string.Join(", ", columns.Select(PostgresTarget.Quote))} FROM {PostgresTarget.Quote(table)} ORDER BY 1;");
            using var r = cmd.ExecuteReader();
            var rows = new List<object?[]>();
            while (r.Read())
            {
                var row = new object?[columns.Count];
                // SQLite has one integer type: hand every integer over as a long, as SQLite does.
                for (int i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i) is int n ? (long)n : r.GetValue(i);
                rows.Add(row);
            }
            return rows;
        }
    }

    long IStoreTables.Count(string table)
    {
        lock (_gate) return Scalar<long>($"SELECT COUNT(*) FROM {PostgresTarget.Quote(table)};");
    }

    void IStoreTables.Insert(string table, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        // Several hundred rows per statement: one round trip each, well under the 65,535 parameters a statement may have.
        int perStatement = Math.Max(1, 6000 / Math.Max(1, columns.Count));
        string head = $"INSERT INTO {PostgresTarget.Quote(table)} ({string.Join(", ", columns.Select(PostgresTarget.Quote))}) VALUES ";
        for (int start = 0; start < rows.Count; start += perStatement)
        {
            var chunk = rows.Skip(start).Take(perStatement).ToList();
            var sql = new StringBuilder(head);
            var parameters = new List<(string, object?)>();
            for (int r = 0; r < chunk.Count; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (int c = 0; c < columns.Count; c++)
                {
                    string name = $"p{r}_{c}";
                    sql.Append(c == 0 ? "@" : ", @").Append(name);
                    parameters.Add((name, chunk[r][c]));
                }
                sql.Append(')');
            }
            Execute(sql.Append(';').ToString(), parameters.ToArray());
        }
    }

    void IStoreTables.DeleteAll(string table) => Execute($"DELETE FROM {PostgresTarget.Quote(table)};");

    /// <summary>Identity columns, by table.</summary>
    private Dictionary<string, string> IdentityColumns()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var cmd = Command("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = @s AND is_identity = 'YES';", ("s", Target.Schema));
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[r.GetString(0)] = r.GetString(1);
        return result;
    }

    private string Sequence(string table, string column) =>
        Scalar<string>("SELECT pg_get_serial_sequence(@t, @c);", ("t", $"{PostgresTarget.Quote(Target.Schema)}.{PostgresTarget.Quote(table)}"), ("c", column))!;

    IReadOnlyDictionary<string, long> IStoreTables.HighWaters()
    {
        lock (_gate)
        {
            var result = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (table, column) in IdentityColumns())
            {
                long value = Scalar<long>($"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {Sequence(table, column)};");
                if (value > 0) result[table] = value;
            }
            return result;
        }
    }

    void IStoreTables.SetHighWater(string table, long value)
    {
        if (!IdentityColumns().TryGetValue(table, out var column)) return;
        string sequence = Sequence(table, column);
        // Rows copied in with their ids did not move the sequence: it must pass them too.
        value = Math.Max(value, Scalar<long>($"SELECT COALESCE(MAX({PostgresTarget.Quote(column)}), 0) FROM {PostgresTarget.Quote(table)};"));
        long current = Scalar<long>($"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence};");
        if (value > current) Execute("SELECT setval(@seq::regclass, @v, true);", ("seq", sequence), ("v", value));
    }

    T IStoreTables.ReadSnapshot<T>(Func<T> read)
    {
        lock (_gate)
        {
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

    T IStoreTables.WriteAll<T>(Func<T> write) => InWriteTransaction(write);
}
