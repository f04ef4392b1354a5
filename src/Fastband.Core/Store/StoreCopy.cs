namespace Fastband.Core.Store;

/// <summary>What one table gave to a store copy.</summary>
public sealed class StoreTableCopy
{
    public string Table { get; init; } = "";
    public long Rows { get; init; }

    /// <summary>The highest id the table had handed out (kept, so ids are never reused after the copy), or null when it has no id column.</summary>
    public long? HighWater { get; init; }

    public override string ToString() => $"{Table} {Rows}";
}

/// <summary>The outcome of <c>fastband store migrate</c> / Copy-FastbandStore.</summary>
public sealed class StoreCopyResult
{
    public string From { get; init; } = "";
    public string To { get; init; } = "";
    public int SchemaVersion { get; init; }
    public IReadOnlyList<StoreTableCopy> Tables { get; init; } = Array.Empty<StoreTableCopy>();
    public long TotalRows { get; init; }

    /// <summary>True when the target held data that --force replaced.</summary>
    public bool Replaced { get; init; }

    public override string ToString() =>
        $"Copied {TotalRows} rows from {From} to {To} (schema version {SchemaVersion}{(Replaced ? ", replacing what the target held" : "")}): " +
        string.Join(", ", Tables.Select(t => t.ToString()));
}

/// <summary>
/// Copies every table of one store into another of the other backend, ids included, in one snapshot of the
/// source and one write transaction on the target: a copy either lands whole or not at all. The identity
/// high-water marks travel too, so ids handed out before (and archived since) are never handed out again.
/// </summary>
public static class StoreCopy
{
    /// <summary>Tables that migrations fill; a target holding only their initial rows counts as empty.</summary>
    private static readonly IReadOnlySet<string> SeededTables = new HashSet<string>(StringComparer.Ordinal) { "counters" };

    public static StoreCopyResult Copy(IFastbandStore source, IFastbandStore target, bool force)
    {
        if (source is not RelationalStore { Tables: var from } || target is not RelationalStore { Tables: var to })
            throw new InvalidInputException("StoreCopyUnsupported", $"The store {source.Location} or {target.Location} cannot be copied table by table.");
        if (source.SchemaVersion != target.SchemaVersion)
            throw new StoreException($"The stores are at different schema versions ({source.Location}: {source.SchemaVersion}, {target.Location}: {target.SchemaVersion}): open both with the same Fastband so they migrate to the same version.");
        var tables = from.Tables();
        var missing = tables.Except(to.Tables(), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new StoreException($"The target {target.Location} has no table {string.Join(", ", missing)} that {source.Location} has: both stores must be at the same schema version.");

        return from.ReadSnapshot(() =>
        {
            var highWaters = from.HighWaters();
            var data = tables.Select(t =>
            {
                var columns = from.Columns(t);
                var targetColumns = to.Columns(t);
                var absent = columns.Except(targetColumns, StringComparer.Ordinal).ToList();
                if (absent.Count > 0)
                    throw new StoreException($"The table {t} of {target.Location} has no column {string.Join(", ", absent)}: both stores must be at the same schema version.");
                return (Table: t, Columns: columns, Rows: from.Rows(t, columns));
            }).ToList();

            return to.WriteAll(() =>
            {
                var occupied = tables.Where(t => !SeededTables.Contains(t) && to.Count(t) > 0).ToList();
                if (occupied.Count > 0 && !force)
                    throw new BlockedException("StoreNotEmpty",
                        $"The target {target.Location} already holds data ({string.Join(", ", occupied.Select(t => $"{t} {to.Count(t)}"))}): copy into an empty store, or pass --force (-Force) to replace it.");
                foreach (var (table, _, _) in Enumerable.Reverse(data)) to.DeleteAll(table);
                var copied = new List<StoreTableCopy>();
                foreach (var (table, columns, rows) in data)
                {
                    to.Insert(table, columns, rows);
                    long? highWater = highWaters.TryGetValue(table, out var hw) ? hw : null;
                    to.SetHighWater(table, highWater ?? 0);
                    long landed = to.Count(table);
                    if (landed != rows.Count)
                        throw new StoreException($"Copying {table} into {target.Location} left {landed} rows instead of {rows.Count}: nothing was copied.");
                    copied.Add(new StoreTableCopy { Table = table, Rows = rows.Count, HighWater = highWater });
                }
                return new StoreCopyResult
                {
                    From = source.Location, To = target.Location, SchemaVersion = source.SchemaVersion,
                    Tables = copied, TotalRows = copied.Sum(t => t.Rows), Replaced = occupied.Count > 0,
                };
            });
        });
    }
}
