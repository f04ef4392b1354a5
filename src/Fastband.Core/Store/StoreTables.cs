namespace Fastband.Core.Store;

/// <summary>
/// Raw table access for copying a whole store from one backend to the other (<see cref="StoreCopy"/>). Both
/// backends have the same tables with the same columns; values travel as long, double, string or null.
/// </summary>
internal interface IStoreTables
{
    /// <summary>Every table of the store's schema except the migration bookkeeping, parents before the tables that reference them.</summary>
    IReadOnlyList<string> Tables();

    IReadOnlyList<string> Columns(string table);

    /// <summary>Every row, in a stable order (by the first column).</summary>
    List<object?[]> Rows(string table, IReadOnlyList<string> columns);

    long Count(string table);

    void Insert(string table, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows);

    void DeleteAll(string table);

    /// <summary>The highest id each table's id column has ever handed out (which archiving or deletes may have removed since).</summary>
    IReadOnlyDictionary<string, long> HighWaters();

    /// <summary>Makes the table's id column hand out ids above <paramref name="value"/> from now on.</summary>
    void SetHighWater(string table, long value);

    /// <summary>Runs <paramref name="read"/> on one consistent snapshot of the store.</summary>
    T ReadSnapshot<T>(Func<T> read);

    /// <summary>Runs <paramref name="write"/> in one write transaction (the store's writer lock held throughout).</summary>
    T WriteAll<T>(Func<T> write);
}

/// <summary>Orders tables so that every table comes after the tables it references.</summary>
internal static class TableOrder
{
    public static IReadOnlyList<string> ParentsFirst(IEnumerable<string> tables, Func<string, IEnumerable<string>> parentsOf)
    {
        var all = tables.OrderBy(t => t, StringComparer.Ordinal).ToList();
        var done = new List<string>();
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string t)
        {
            if (done.Contains(t) || !visiting.Add(t)) return;
            foreach (var p in parentsOf(t)) if (all.Contains(p) && p != t) Visit(p);
            done.Add(t);
        }
        foreach (var t in all) Visit(t);
        return done;
    }
}
