using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Fastband.Core.Backup.Database;

/// <summary>
/// MySQL/MariaDB the way their documentation asks: <c>mariadb-dump</c> (or <c>mysqldump</c>)
/// <c>--single-transaction --quick</c> (a consistent InnoDB snapshot that does not block writers), its
/// output gzipped in-process into <c>database.sql.gz</c>, and a dump loaded back with the
/// <c>mariadb</c>/<c>mysql</c> client (a dump file is a client script: DELIMITER lines around routines and
/// triggers). Those tools get the password in a 0600 <c>--defaults-extra-file</c> given as the first argument
/// (never <c>-p…</c>, never MYSQL_PWD). Everything else Fastband asks the server (the connection check before a
/// dump or restore, the change fingerprint, the verify step's scratch schema) goes over MySqlConnector in this
/// process (<see cref="MySqlConversation"/>). The dump's exit code is checked and so is its closing
/// <c>-- Dump completed</c> line.
/// </summary>
public sealed class MySqlDatabaseBackup : IDatabaseBackup
{
    public const string DumpFileName = "database.sql.gz";
    internal const string Trailer = "-- Dump completed";

    public string Type => DatabaseTarget.MySql;

    public DatabaseDumpResult Dump(DatabaseTarget target, string directory, CancellationToken cancellation)
    {
        Require(target);
        string dumpTool = Tool("mariadb-dump", "mysqldump");
        // Connect first: a wrong password, host or name is told in one sentence before any file or child exists.
        new MySqlConversation(target).Check(cancellation);
        using var session = new Session(target);
        string version = DatabaseTools.Run(dumpTool, new[] { "--version" }, cancellation, session.Password).StandardOutput.Trim();
        Directory.CreateDirectory(directory);
        string final = Path.Combine(directory, DumpFileName);
        string temp = DatabaseTools.TempBeside(final);
        try
        {
            var tail = new TailStream();
            ToolRun run;
            using (var file = DatabaseTools.CreateOwnerOnly(temp))
            {
                using (var gzip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                using (var sink = new TeeStream(gzip, tail))
                {
                    run = session.Run(dumpTool, new[] { "--single-transaction", "--quick", "--routines", "--triggers", "--hex-blob", "--", target.Name! }, cancellation, stdout: sink);
                }
                file.Flush(flushToDisk: true);
            }
            if (run.ExitCode != 0)
            {
                throw Failed("DatabaseDumpFailed", $"{Path.GetFileName(dumpTool)} of {target} failed ({run.Reason(session.Password)})", target);
            }
            if (!tail.Text.Contains(Trailer, StringComparison.Ordinal))
            {
                throw new FastbandException(FailureKind.Failed, "DatabaseDumpFailed",
                    $"{Path.GetFileName(dumpTool)} of {target} exited cleanly but its output does not end with '{Trailer}', so the dump is incomplete: check the server log and that no option file sets skip-comments.");
            }
            File.Move(temp, final, overwrite: true);
        }
        finally
        {
            DatabaseTools.TryDelete(temp);
        }
        return new DatabaseDumpResult(final, new FileInfo(final).Length, version.Length > 0 ? version : Path.GetFileName(dumpTool));
    }

    /// <summary>
    /// Checks the whole dump (gzip sound, ends with the trailer) and then loads it with <c>mariadb</c>/<c>mysql</c>.
    /// The dump drops and recreates each table it holds; tables created after the dump are left alone.
    /// MySQL commits each DDL statement, so a load that fails part-way leaves the tables it reached restored.
    /// </summary>
    public void Restore(DatabaseTarget target, string dumpFile, CancellationToken cancellation)
    {
        Require(target);
        if (!File.Exists(dumpFile))
        {
            throw new NotFoundException("DatabaseDumpNotFound", $"The dump {dumpFile} does not exist: pick a backup that contains a database dump.");
        }
        string? problem = CheckDump(dumpFile, cancellation);
        if (problem is not null)
        {
            throw new InvalidInputException("DatabaseDumpDamaged", $"The dump {dumpFile} is not usable ({problem}): restore from another backup.");
        }
        new MySqlConversation(target).Check(cancellation);
        using var session = new Session(target);
        var run = Load(session, dumpFile, target.Name!, cancellation);
        if (run.ExitCode != 0)
        {
            throw Failed("DatabaseRestoreFailed", $"Loading {dumpFile} into {target} failed ({run.Reason(session.Password)})", target);
        }
    }

    /// <summary>
    /// Creates a schema fastband_verify_&lt;random&gt;, loads the dump into it with the client, counts its tables,
    /// and always drops it (the schema's creation, count and drop over MySqlConnector).
    /// </summary>
    public DatabaseVerification VerifyInScratch(DatabaseTarget target, string dumpFile, CancellationToken cancellation)
    {
        Require(target);
        if (!File.Exists(dumpFile)) return new DatabaseVerification(false, $"the dump {dumpFile} does not exist");
        string? problem = CheckDump(dumpFile, cancellation);
        if (problem is not null) return new DatabaseVerification(false, problem);
        string scratch = ScratchPrefix + DatabaseTools.RandomSuffix();
        var sql = new MySqlConversation(target);
        try
        {
            using var connection = sql.Open(null, cancellation);
            sql.Execute(connection, $"CREATE DATABASE `{scratch}`", cancellation);
        }
        catch (FastbandException e)
        {
            return new DatabaseVerification(false, $"could not create the scratch schema {scratch} (the user needs the CREATE and DROP privileges): {e.Message.TrimEnd('.')}");
        }
        DatabaseVerification result;
        try
        {
            result = LoadAndCount(target, sql, dumpFile, scratch, cancellation);
        }
        finally
        {
            // Always, even when cancelled: a scratch schema left behind would pile up. A fresh connection, since the
            // first may be what failed.
            if (DropScratch(sql, scratch) is { } failure)
            {
                result = new DatabaseVerification(false, $"the scratch schema {scratch} could not be dropped ({failure}): drop it by hand");
            }
        }
        return result;
    }

    private static DatabaseVerification LoadAndCount(DatabaseTarget target, MySqlConversation sql, string dumpFile, string scratch, CancellationToken cancellation)
    {
        using (var session = new Session(target))
        {
            var load = Load(session, dumpFile, scratch, cancellation);
            if (load.ExitCode != 0) return new DatabaseVerification(false, $"loading the dump into {scratch} failed: {load.Reason(session.Password)}");
        }
        try
        {
            using var connection = sql.Open(scratch, cancellation);
            var rows = sql.Rows(connection, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = @schema", cancellation, ("@schema", scratch));
            if (rows.Count != 1 || !int.TryParse(rows[0][0], NumberStyles.None, CultureInfo.InvariantCulture, out int tables))
            {
                return new DatabaseVerification(false, $"counting the tables in {scratch} gave no number");
            }
            return new DatabaseVerification(true, $"loaded into a scratch schema ok; {tables} tables");
        }
        catch (FastbandException e)
        {
            return new DatabaseVerification(false, $"counting the tables in {scratch} failed: {e.Message.TrimEnd('.')}");
        }
    }

    /// <summary>Drops the scratch schema; null when it is gone, else why not.</summary>
    private static string? DropScratch(MySqlConversation sql, string scratch)
    {
        try
        {
            using var connection = sql.Open(null, CancellationToken.None);
            sql.Execute(connection, $"DROP DATABASE IF EXISTS `{scratch}`", CancellationToken.None);
            return null;
        }
        catch (FastbandException e)
        {
            return e.Message.TrimEnd('.');
        }
    }

    /// <summary>The name every verify step's scratch schema starts with.</summary>
    internal const string ScratchPrefix = "fastband_verify_";

    /// <inheritdoc cref="MySqlFingerprint.Of"/>
    public string? Fingerprint(DatabaseTarget target, CancellationToken cancellation) => MySqlFingerprint.Of(target, cancellation);

    /// <summary>
    /// Runs SQL over MySqlConnector against <paramref name="database"/> (default: the target's); returns the rows as
    /// the client's batch mode prints them (tab-separated, a line each); throws the classified failure.
    /// </summary>
    internal static string Query(DatabaseTarget target, string sql, string? database = null, CancellationToken cancellation = default)
    {
        Require(target);
        var conversation = new MySqlConversation(target);
        using var connection = conversation.Open(database ?? target.Name, cancellation);
        return MySqlConversation.AsText(conversation.Rows(connection, sql, cancellation));
    }

    internal static string Tool(params string[] names) =>
        DatabaseTools.Find(names, new[] { "/usr/bin", "/usr/local/bin", "/usr/local/mysql/bin" })
        ?? throw new NotFoundException("DatabaseToolMissing",
            $"Neither {string.Join(" nor ", names)} was found on PATH: install the MariaDB or MySQL client tools (apt-get install mariadb-client).");

    private static ToolRun Load(Session session, string dumpFile, string database, CancellationToken cancellation) =>
        session.Run(Tool("mariadb", "mysql"), new[] { "--batch", "--binary-mode", "--", database }, cancellation,
            stdin: (input, token) =>
            {
                using var file = new FileStream(dumpFile, FileMode.Open, FileAccess.Read, FileShare.Read);
                using var gunzip = new GZipStream(file, CompressionMode.Decompress);
                gunzip.CopyToAsync(input, token).GetAwaiter().GetResult();
            });

    /// <summary>Reads the whole dump: null when the gzip is sound and the SQL ends with the trailer, else what is wrong.</summary>
    private static string? CheckDump(string dumpFile, CancellationToken cancellation)
    {
        var tail = new TailStream();
        try
        {
            using var file = new FileStream(dumpFile, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var gunzip = new GZipStream(file, CompressionMode.Decompress);
            gunzip.CopyToAsync(tail, cancellation).GetAwaiter().GetResult();
        }
        catch (InvalidDataException e)
        {
            return $"the gzip data is damaged: {e.Message.TrimEnd('.')}";
        }
        catch (EndOfStreamException)
        {
            return "the gzip data is truncated";
        }
        return tail.Text.Contains(Trailer, StringComparison.Ordinal) ? null : $"the SQL does not end with '{Trailer}', so the dump is incomplete";
    }

    private static FastbandException Failed(string errorId, string what, DatabaseTarget target) =>
        new(FailureKind.Failed, errorId, $"{what}: check the host, port, user, database name and the password in {(target.PasswordEnv is { Length: > 0 } env ? env : "DATABASE_URL")}.");

    internal static void Require(DatabaseTarget target)
    {
        if (string.IsNullOrWhiteSpace(target.Name) || string.IsNullOrWhiteSpace(target.User))
        {
            throw new InvalidInputException("DatabaseTargetIncomplete", "The MySQL/MariaDB database needs a name and a user: set database.name and database.user in backup_config.yaml (or DATABASE_URL).");
        }
    }

    /// <summary>One connection's option file ([client] user, password, host, port), deleted on Dispose.</summary>
    private sealed class Session : IDisposable
    {
        private readonly CredentialsFile _options;

        public Session(DatabaseTarget target)
        {
            Target = target;
            Password = target.ResolvePassword();
            var text = new StringBuilder("[client]\n");
            text.Append("user=").Append(Quote(target.User!, "user")).Append('\n');
            if (!string.IsNullOrEmpty(Password)) text.Append("password=").Append(Quote(Password, "password")).Append('\n');
            text.Append("host=").Append(Quote(target.Host, "host")).Append('\n');
            text.Append("port=").Append(target.EffectivePort.ToString(CultureInfo.InvariantCulture)).Append('\n');
            _options = new CredentialsFile("client.cnf", text.ToString());
        }

        public DatabaseTarget Target { get; }

        public string? Password { get; }

        /// <summary>Runs a client tool with the option file as its FIRST argument (the tools only honour it there).</summary>
        public ToolRun Run(string tool, IEnumerable<string> arguments, CancellationToken cancellation, Stream? stdout = null, Action<Stream, CancellationToken>? stdin = null)
        {
            var all = new List<string> { "--defaults-extra-file=" + _options.Path };
            all.AddRange(arguments);
            return DatabaseTools.Run(tool, all, cancellation, Password, stdin: stdin, stdout: stdout);
        }

        public void Dispose() => _options.Dispose();

        /// <summary>An option-file value in double quotes, with backslash and quote escaped.</summary>
        private static string Quote(string value, string what)
        {
            if (value.Contains('\n') || value.Contains('\r'))
            {
                throw new InvalidInputException("DatabaseSettingInvalid", $"The MySQL {what} contains a line break, which an option file cannot hold: change it.");
            }
            return "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        }
    }
}
