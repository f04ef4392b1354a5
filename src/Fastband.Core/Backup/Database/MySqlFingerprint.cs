using System.Text;

namespace Fastband.Core.Backup.Database;

/// <summary>
/// Has a MySQL/MariaDB database changed since the last backup? Its change fingerprint: the InnoDB log sequence
/// number, plus a digest of what that number does not follow (other engines' tables, views, routines, triggers).
/// </summary>
internal static class MySqlFingerprint
{
    /// <summary>
    /// InnoDB's log sequence number, which moves with every InnoDB write: the status variable MariaDB
    /// (Innodb_lsn_current) or MySQL 8.0.30+ (Innodb_redo_log_current_lsn) has, else the "Log sequence number"
    /// line of SHOW ENGINE INNODB STATUS, which both have (it needs the PROCESS privilege). What the LSN misses
    /// (writes to MyISAM/Aria tables, views, routines, triggers: none writes InnoDB redo) is added as a digest of
    /// those objects when the database has any. Null when it cannot be read: the database then counts as changed.
    /// Asked over one MySqlConnector connection.
    /// </summary>
    public static string? Of(DatabaseTarget target, CancellationToken cancellation)
    {
        try
        {
            MySqlDatabaseBackup.Require(target);
            var sql = new MySqlConversation(target);
            using var connection = sql.Open(target.Name, cancellation);
            string? lsn = null;
            try
            {
                lsn = LsnFromStatus(sql.Rows(connection, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_lsn_current', 'Innodb_redo_log_current_lsn')", cancellation));
            }
            catch (FastbandException)
            {
                // fall through to the engine status
            }
            string? print = lsn is not null ? "innodb-lsn:" + lsn : FromEngineStatus(sql, connection, cancellation);
            if (print is null) return null;
            string? others = OutsideInnoDb(sql, connection, target.Name!, cancellation);
            return others is null ? print : print + ";objects:" + others;
        }
        catch (FastbandException)
        {
            return null; // unreachable now, or an object could not be read: the backup itself will say why
        }
    }

    /// <summary>
    /// A digest of what in <paramref name="database"/> the InnoDB LSN does not follow: each non-InnoDB table (its
    /// CHECKSUM TABLE, rows, sizes, update time), each view's definition, each routine and trigger. Null when there
    /// is none, so a database of InnoDB tables only keeps the plain LSN.
    /// </summary>
    public static string? OutsideInnoDb(MySqlConversation sql, MySqlConnector.MySqlConnection connection, string database, CancellationToken cancellation)
    {
        const string Objects = """
            SELECT CONCAT_WS('|', 't', table_name, engine, table_rows, data_length, index_length, update_time) FROM information_schema.tables
              WHERE table_schema = @db AND table_type = 'BASE TABLE' AND (engine IS NULL OR engine <> 'InnoDB')
            UNION ALL SELECT CONCAT_WS('|', 'v', table_name, view_definition) FROM information_schema.views WHERE table_schema = @db
            UNION ALL SELECT CONCAT_WS('|', 'r', routine_type, routine_name, created, last_altered, routine_definition) FROM information_schema.routines WHERE routine_schema = @db
            UNION ALL SELECT CONCAT_WS('|', 'g', trigger_name, created, action_statement) FROM information_schema.triggers WHERE trigger_schema = @db
            ORDER BY 1
            """;
        var rows = sql.Rows(connection, Objects, cancellation, ("@db", database));
        if (rows.Count == 0) return null;
        var text = new StringBuilder(MySqlConversation.AsText(rows));
        var tables = rows.Select(r => r[0] ?? "").Where(r => r.StartsWith("t|", StringComparison.Ordinal)).Select(r => r.Split('|')[1]).ToList();
        if (tables.Count > 0)
        {
            // Rows and sizes can stay put through an UPDATE, and the update time counts whole seconds: the checksum cannot.
            string list = string.Join(", ", tables.Select(t => $"`{database.Replace("`", "``")}`.`{t.Replace("`", "``")}`"));
            text.Append(MySqlConversation.AsText(sql.Rows(connection, "CHECKSUM TABLE " + list, cancellation)));
        }
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32].ToLowerInvariant();
    }

    /// <summary>The fingerprint from SHOW ENGINE INNODB STATUS alone (the fallback when no status variable has the LSN), or null.</summary>
    public static string? FromEngineStatus(DatabaseTarget target, CancellationToken cancellation)
    {
        try
        {
            var sql = new MySqlConversation(target);
            using var connection = sql.Open(target.Name, cancellation);
            return FromEngineStatus(sql, connection, cancellation);
        }
        catch (FastbandException)
        {
            return null;
        }
    }

    private static string? FromEngineStatus(MySqlConversation sql, MySqlConnector.MySqlConnection connection, CancellationToken cancellation)
    {
        try
        {
            // Columns Type, Name, Status: the report is the last.
            var rows = sql.Rows(connection, "SHOW ENGINE INNODB STATUS", cancellation);
            return rows.Select(r => r[^1]).OfType<string>().Select(LsnFromEngineStatus).FirstOrDefault(l => l is not null) is { } lsn ? "innodb-lsn:" + lsn : null;
        }
        catch (FastbandException)
        {
            return null;
        }
    }

    /// <summary>The first all-digit value among SHOW GLOBAL STATUS rows (name, value).</summary>
    public static string? LsnFromStatus(IEnumerable<string?[]> rows) =>
        rows.Where(r => r.Length == 2 && r[1] is { Length: > 0 } v && v.All(char.IsAsciiDigit))
            .Select(r => r[1]).FirstOrDefault();

    /// <summary>The number after "Log sequence number" in SHOW ENGINE INNODB STATUS.</summary>
    public static string? LsnFromEngineStatus(string output)
    {
        var m = System.Text.RegularExpressions.Regex.Match(output, @"Log sequence number\s+(\d+)");
        return m.Success ? m.Groups[1].Value : null;
    }
}
