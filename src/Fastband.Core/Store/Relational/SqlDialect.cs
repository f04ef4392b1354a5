namespace Fastband.Core.Store;

/// <summary>
/// Where SQLite's SQL and PostgreSQL's differ, for the statements the feature stores write once. Everything
/// else (parameters as <c>@name</c>, <c>RETURNING</c>, <c>ON CONFLICT ... DO NOTHING/UPDATE</c>, <c>COALESCE</c>,
/// <c>CAST(x AS BIGINT)</c>) both servers read the same way.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary><paramref name="column"/> equals <paramref name="value"/> ignoring case, through the backend's case-insensitive index.</summary>
    public abstract string EqualsIgnoreCase(string column, string value);

    /// <summary>The ON CONFLICT target of a column unique ignoring case (SQLite: COLLATE NOCASE; PostgreSQL: a unique index on lower(column)).</summary>
    public abstract string UniqueIgnoringCase(string column);

    /// <summary>An ORDER BY key for names: by their ASCII-lower-cased bytes on both backends.</summary>
    public abstract string NameOrder(string column);

    /// <summary>The larger of two values.</summary>
    public abstract string Greatest(string a, string b);

    /// <summary>An ORDER BY key for identifiers (lease ids, resources): by their bytes, case and all, on both backends.</summary>
    public abstract string ByteOrder(string column);

    /// <summary>A LIMIT clause (with its leading space), or nothing when <paramref name="limit"/> is not positive.</summary>
    public string Limit(int limit) => limit > 0 ? $" LIMIT {limit}" : "";

    /// <summary>
    /// <paramref name="column"/> is one of <paramref name="values"/>: adds the parameters it needs to
    /// <paramref name="parameters"/>, named after <paramref name="name"/>. An empty list matches nothing.
    /// </summary>
    public abstract string In<T>(string column, string name, IReadOnlyCollection<T> values, List<(string, object?)> parameters);

    /// <summary>A condition as a 0/1 integer column (PostgreSQL's booleans are not integers).</summary>
    public string Flag(string condition) => $"CASE WHEN {condition} THEN 1 ELSE 0 END";

    public static readonly SqlDialect Sqlite = new SqliteDialect();

    public static readonly SqlDialect Postgres = new PostgresDialect();

    private sealed class SqliteDialect : SqlDialect
    {
        public override string EqualsIgnoreCase(string column, string value) => $"{column} = {value} COLLATE NOCASE";

        public override string NameOrder(string column) => $"{column} COLLATE NOCASE";

        public override string UniqueIgnoringCase(string column) => $"({column})";

        public override string Greatest(string a, string b) => $"MAX({a}, {b})";

        public override string ByteOrder(string column) => $"{column} COLLATE BINARY";

        public override string In<T>(string column, string name, IReadOnlyCollection<T> values, List<(string, object?)> parameters)
        {
            if (values.Count == 0) return "0 = 1";
            var names = new List<string>(values.Count);
            int i = 0;
            foreach (var v in values)
            {
                string n = $"{name}{i++}";
                names.Add("@" + n);
                parameters.Add((n, v));
            }
            return $"{column} IN ({string.Join(", ", names)})";
        }
    }

    private sealed class PostgresDialect : SqlDialect
    {
        public override string EqualsIgnoreCase(string column, string value) => $"lower({column}) = lower({value})";

        public override string NameOrder(string column) => $"lower({column}) COLLATE \"C\"";

        public override string UniqueIgnoringCase(string column) => $"((lower({column})))";

        public override string Greatest(string a, string b) => $"GREATEST({a}, {b})";

        public override string ByteOrder(string column) => $"{column} COLLATE \"C\"";

        public override string In<T>(string column, string name, IReadOnlyCollection<T> values, List<(string, object?)> parameters)
        {
            if (values.Count == 0) return "FALSE";
            parameters.Add((name, values.ToArray()));
            return $"{column} = ANY(@{name})";
        }
    }
}
