namespace Fastband.Core.Store;

/// <summary>
/// Raw table access for copying the store to the other backend (see <see cref="StoreCopy"/>): reading, counting,
/// inserting and deleting rows is the same SQL on both. Each backend supplies what only its catalog knows (the
/// tables and their columns, sqlite_master and pragmas or information_schema) and its id high-water marks
/// (sqlite_sequence or the identity sequences): SqliteTables and PostgresTables.
/// </summary>
internal abstract class TableStore : IStoreTables
{
    private protected readonly RelationalStore Db;

    private protected TableStore(RelationalStore db) => Db = db;

    public abstract IReadOnlyList<string> Tables();

    public abstract IReadOnlyList<string> Columns(string table);

    public abstract IReadOnlyDictionary<string, long> HighWaters();

    public abstract void SetHighWater(string table, long value);

    /// <summary>
    /// How many rows one INSERT statement carries. Here one: SQLite keeps the statement prepared and binds each row
    /// in process. PostgreSQL carries several hundred, one round trip each.
    /// </summary>
    private protected virtual int RowsPerInsert(int columns) => 1;

    public List<object?[]> Rows(string table, IReadOnlyList<string> columns) => Db.Read(() => Db.Rows(
        $"SELECT {string.Join(", ", columns.Select(Quote))} FROM {Quote(table)} ORDER BY 1;",
        r =>
        {
            var row = new object?[columns.Count];
            // SQLite has one integer type: hand every integer over as a long (PostgreSQL's INTEGER reads as an int).
            for (int i = 0; i < row.Length; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i) is int n ? (long)n : r.GetValue(i);
            return row;
        }));

    public long Count(string table) => Db.Read(() => Db.Scalar<long>($"SELECT COUNT(*) FROM {Quote(table)};"));

    /// <summary>Inside <see cref="WriteAll"/>: the rows in statements of <see cref="RowsPerInsert"/> rows, each command reused while the count stays.</summary>
    public void Insert(string table, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        int perStatement = Math.Max(1, RowsPerInsert(columns.Count));
        string head = $"INSERT INTO {Quote(table)} ({string.Join(", ", columns.Select(Quote))}) VALUES ";
        System.Data.Common.DbCommand? insert = null;
        int insertRows = 0;
        try
        {
            for (int start = 0; start < rows.Count; start += perStatement)
            {
                int count = Math.Min(perStatement, rows.Count - start);
                if (count != insertRows)
                {
                    insert?.Dispose();
                    var names = Enumerable.Range(0, count).Select(r => columns.Select((_, c) => $"p{r}_{c}").ToList()).ToList();
                    insert = Db.Command(head + string.Join(", ", names.Select(row => "(" + string.Join(", ", row.Select(n => "@" + n)) + ")")) + ";",
                        names.SelectMany(row => row).Select(n => (n, (object?)null)).ToArray());
                    insertRows = count;
                }
                for (int r = 0; r < count; r++)
                for (int c = 0; c < columns.Count; c++)
                    insert!.Parameters[r * columns.Count + c].Value = rows[start + r][c] ?? DBNull.Value;
                insert!.ExecuteNonQuery();
            }
        }
        finally
        {
            insert?.Dispose();
        }
    }

    public void DeleteAll(string table) => Db.Execute($"DELETE FROM {Quote(table)};");

    public T ReadSnapshot<T>(Func<T> read) => Db.InReadSnapshot(read);

    public T WriteAll<T>(Func<T> write) => Db.InWriteTransaction(write);

    /// <summary>A table's or column's name as an identifier (both backends quote with double quotes).</summary>
    private protected static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
}
