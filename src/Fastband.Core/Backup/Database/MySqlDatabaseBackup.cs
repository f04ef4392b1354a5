using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Fastband.Core.Backup.Database;

/// <summary>
/// MySQL/MariaDB the way their documentation asks: <c>mariadb-dump</c> (or <c>mysqldump</c>)
/// <c>--single-transaction --quick</c> (a consistent InnoDB snapshot that does not block writers), its
/// output gzipped in-process into <c>database.sql.gz</c>. The password is in a 0600
/// <c>--defaults-extra-file</c> given as the first argument (never <c>-p…</c>, never MYSQL_PWD). The
/// dump's exit code is checked and so is its closing <c>-- Dump completed</c> line.
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
        using var session = new Session(target);
        var run = Load(session, dumpFile, target.Name!, cancellation);
        if (run.ExitCode != 0)
        {
            throw Failed("DatabaseRestoreFailed", $"Loading {dumpFile} into {target} failed ({run.Reason(session.Password)})", target);
        }
    }

    /// <summary>Loads the dump into a new schema fastband_verify_&lt;random&gt;, counts its tables, and always drops it.</summary>
    public DatabaseVerification VerifyInScratch(DatabaseTarget target, string dumpFile, CancellationToken cancellation)
    {
        Require(target);
        if (!File.Exists(dumpFile)) return new DatabaseVerification(false, $"the dump {dumpFile} does not exist");
        string? problem = CheckDump(dumpFile, cancellation);
        if (problem is not null) return new DatabaseVerification(false, problem);
        string scratch = "fastband_verify_" + DatabaseTools.RandomSuffix();
        using var session = new Session(target);
        var create = session.Sql($"CREATE DATABASE `{scratch}`", null, cancellation);
        if (create.ExitCode != 0)
        {
            return new DatabaseVerification(false, $"could not create the scratch schema {scratch} (the user needs the CREATE and DROP privileges): {create.Reason(session.Password)}");
        }
        try
        {
            var load = Load(session, dumpFile, scratch, cancellation);
            if (load.ExitCode != 0) return new DatabaseVerification(false, $"loading the dump into {scratch} failed: {load.Reason(session.Password)}");
            var count = session.Sql($"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{scratch}'", null, cancellation);
            if (count.ExitCode != 0 || !int.TryParse(count.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int tables))
            {
                return new DatabaseVerification(false, $"counting the tables in {scratch} failed: {count.Reason(session.Password)}");
            }
            return new DatabaseVerification(true, $"loaded into a scratch schema ok; {tables} tables");
        }
        finally
        {
            session.Sql($"DROP DATABASE IF EXISTS `{scratch}`", null, CancellationToken.None);
        }
    }

    /// <summary>
    /// InnoDB's log sequence number, which moves with every write: the status variable MariaDB
    /// (Innodb_lsn_current) or MySQL 8.0.30+ (Innodb_redo_log_current_lsn) has, else the "Log sequence number"
    /// line of SHOW ENGINE INNODB STATUS, which both have (it needs the PROCESS privilege). Null when none can be
    /// read: the database then counts as changed.
    /// </summary>
    public string? Fingerprint(DatabaseTarget target, CancellationToken cancellation)
    {
        try
        {
            string status = Query(target, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_lsn_current', 'Innodb_redo_log_current_lsn')", cancellation: cancellation);
            if (LsnFromStatus(status) is { } lsn) return "innodb-lsn:" + lsn;
        }
        catch (FastbandException)
        {
            // fall through to the engine status
        }
        return FingerprintFromEngineStatus(target, cancellation);
    }

    internal static string? FingerprintFromEngineStatus(DatabaseTarget target, CancellationToken cancellation)
    {
        try
        {
            return LsnFromEngineStatus(Query(target, "SHOW ENGINE INNODB STATUS", cancellation: cancellation)) is { } lsn ? "innodb-lsn:" + lsn : null;
        }
        catch (FastbandException)
        {
            return null;
        }
    }

    /// <summary>The first numeric value of SHOW GLOBAL STATUS output (name, tab, value per line).</summary>
    internal static string? LsnFromStatus(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length == 2 && f[1].Length > 0 && f[1].All(char.IsAsciiDigit))
            .Select(f => f[1]).FirstOrDefault();

    /// <summary>The number after "Log sequence number" in SHOW ENGINE INNODB STATUS (batch output escapes newlines as \n).</summary>
    internal static string? LsnFromEngineStatus(string output)
    {
        var m = System.Text.RegularExpressions.Regex.Match(output, @"Log sequence number\s+(\d+)");
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>Runs SQL with the client against <paramref name="database"/> (default: the target's); returns stdout, throws on failure.</summary>
    internal static string Query(DatabaseTarget target, string sql, string? database = null, CancellationToken cancellation = default)
    {
        Require(target);
        using var session = new Session(target);
        var run = session.Sql(sql, database ?? target.Name, cancellation);
        if (run.ExitCode != 0) throw Failed("DatabaseQueryFailed", $"The query against {target} failed ({run.Reason(session.Password)})", target);
        return run.StandardOutput;
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

    private static void Require(DatabaseTarget target)
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

        public ToolRun Sql(string sql, string? database, CancellationToken cancellation)
        {
            var arguments = new List<string> { "--batch", "--skip-column-names", "--execute", sql };
            if (database is not null) { arguments.Add("--"); arguments.Add(database); }
            return Run(Tool("mariadb", "mysql"), arguments, cancellation);
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

    /// <summary>Keeps the last few kilobytes written to it, to look for the trailer.</summary>
    private sealed class TailStream : Stream
    {
        private const int Keep = 4096;
        private readonly byte[] _buffer = new byte[Keep];
        private int _length;

        public string Text => Encoding.UTF8.GetString(_buffer, 0, _length);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (data.Length >= Keep)
            {
                data[^Keep..].CopyTo(_buffer);
                _length = Keep;
                return;
            }
            int overflow = _length + data.Length - Keep;
            if (overflow > 0)
            {
                Buffer.BlockCopy(_buffer, overflow, _buffer, 0, _length - overflow);
                _length -= overflow;
            }
            data.CopyTo(_buffer.AsSpan(_length));
            _length += data.Length;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            Write(data.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Writes everything to two streams.</summary>
    private sealed class TeeStream : Stream
    {
        private readonly Stream _first;
        private readonly Stream _second;

        public TeeStream(Stream first, Stream second)
        {
            _first = first;
            _second = second;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _first.Write(buffer, offset, count);
            _second.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            await _first.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await _second.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => _first.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
