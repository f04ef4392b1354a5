using Fastband.Core.Store;
using Microsoft.Data.Sqlite;

namespace Fastband.Core.Backup.Database;

/// <summary>
/// SQLite the way its documentation asks: <c>VACUUM INTO</c> a temp file (a consistent snapshot that
/// includes what is still in the -wal, taken while writers keep writing), <c>PRAGMA integrity_check</c>
/// on the copy, then a rename to <c>database.sqlite</c>. The .db file is never copied on its own.
/// The dump is a single self-contained file (rollback-journal mode, no -wal), owner-only.
/// </summary>
public sealed class SqliteDatabaseBackup : IDatabaseBackup
{
    public const string DumpFileName = "database.sqlite";

    public string Type => DatabaseTarget.Sqlite;

    public DatabaseDumpResult Dump(DatabaseTarget target, string directory, CancellationToken cancellation)
    {
        string source = SourcePath(target);
        if (!File.Exists(source))
        {
            throw new NotFoundException("DatabaseNotFound", $"The SQLite database {source} does not exist: check the database path in backup_config.yaml.");
        }
        Directory.CreateDirectory(directory);
        string final = Path.Combine(directory, DumpFileName);
        string temp = DatabaseTools.TempBeside(final);
        SqliteNative.EnsureInitialized();
        try
        {
            // VACUUM INTO needs a file that does not exist or is empty: creating it empty and owner-only
            // first keeps the copy private from the moment it exists.
            DatabaseTools.CreateOwnerOnly(temp).Dispose();
            cancellation.ThrowIfCancellationRequested();
            using (var connection = Open(source, SqliteOpenMode.ReadWrite))
            using (cancellation.Register(() => SQLitePCL.raw.sqlite3_interrupt(connection.Handle)))
            {
                using var vacuum = connection.CreateCommand();
                vacuum.CommandText = "VACUUM INTO $path";
                vacuum.Parameters.AddWithValue("$path", temp);
                vacuum.ExecuteNonQuery();
            }
            cancellation.ThrowIfCancellationRequested();
            string? problem = Check(temp, out _);
            if (problem is not null)
            {
                throw new FastbandException(FailureKind.Failed, "DatabaseDumpFailed",
                    $"The SQLite copy of {source} failed its integrity check ({problem}): the source database may be damaged; run PRAGMA integrity_check on it.");
            }
            File.Move(temp, final, overwrite: true);
        }
        catch (SqliteException e)
        {
            throw new FastbandException(FailureKind.Failed, "DatabaseDumpFailed",
                $"Copying the SQLite database {source} failed ({e.Message.TrimEnd('.')}): check that the file is a readable SQLite database and that the disk has room.", e);
        }
        finally
        {
            DatabaseTools.TryDelete(temp);
            DatabaseTools.TryDelete(temp + "-journal");
        }
        return new DatabaseDumpResult(final, new FileInfo(final).Length, $"SQLite {SqliteVersion()} (VACUUM INTO)");
    }

    /// <summary>
    /// Replaces the database file with the dump: the dump is copied next to the target and checked there,
    /// the old database is checkpointed, the copy is renamed over it, and only then the old file's
    /// -wal/-shm/-journal are removed. Stop the application's writers first: a connection that stays
    /// open on the old file keeps writing to the replaced inode.
    /// </summary>
    public void Restore(DatabaseTarget target, string dumpFile, CancellationToken cancellation)
    {
        string destination = SourcePath(target);
        RequireDump(dumpFile);
        string? folder = Path.GetDirectoryName(destination);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        string temp = DatabaseTools.TempBeside(destination);
        SqliteNative.EnsureInitialized();
        try
        {
            CopyOwnerOnly(dumpFile, temp, cancellation);
            string? problem;
            try
            {
                problem = Check(temp, out _);
            }
            catch (SqliteException e)
            {
                problem = e.Message.TrimEnd('.');
            }
            if (problem is not null)
            {
                throw new InvalidInputException("DatabaseDumpDamaged",
                    $"The SQLite dump {dumpFile} failed its integrity check ({problem}): restore from another backup.");
            }
            cancellation.ThrowIfCancellationRequested();
            if (File.Exists(destination))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temp, File.GetUnixFileMode(destination)); // keep the database's own permissions
                }
                // Fold the old -wal into the old file and empty it, so no stale frame can be replayed
                // onto the new file in the moment between the rename and the removal below.
                try
                {
                    using var old = Open(destination, SqliteOpenMode.ReadWrite);
                    using var checkpoint = old.CreateCommand();
                    checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                    checkpoint.ExecuteNonQuery();
                }
                catch (SqliteException)
                {
                    // The old file is damaged or not a database: it is being replaced either way.
                }
            }
            File.Move(temp, destination, overwrite: true);
            foreach (string suffix in new[] { "-wal", "-shm", "-journal" }) DatabaseTools.TryDelete(destination + suffix);
        }
        catch (SqliteException e)
        {
            throw new FastbandException(FailureKind.Failed, "DatabaseRestoreFailed",
                $"Restoring the SQLite database {destination} failed ({e.Message.TrimEnd('.')}): check the dump and that the folder is writable.", e);
        }
        finally
        {
            DatabaseTools.TryDelete(temp);
            DatabaseTools.TryDelete(temp + "-journal");
        }
    }

    /// <summary>Copies the dump to a scratch file, runs <c>PRAGMA integrity_check</c>, counts the tables, deletes the copy.</summary>
    public DatabaseVerification VerifyInScratch(DatabaseTarget target, string dumpFile, CancellationToken cancellation)
    {
        if (!File.Exists(dumpFile)) return new DatabaseVerification(false, $"the dump {dumpFile} does not exist");
        SqliteNative.EnsureInitialized();
        string scratchDir = Path.Combine(Path.GetTempPath(), "fastband-verify-" + DatabaseTools.RandomSuffix());
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(scratchDir);
        else Directory.CreateDirectory(scratchDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            string scratch = Path.Combine(scratchDir, DumpFileName);
            CopyOwnerOnly(dumpFile, scratch, cancellation);
            string? problem = Check(scratch, out int tables);
            return problem is null
                ? new DatabaseVerification(true, $"integrity_check ok; {tables} tables")
                : new DatabaseVerification(false, $"integrity_check failed: {problem}");
        }
        catch (SqliteException e)
        {
            return new DatabaseVerification(false, $"the dump could not be read as SQLite: {e.Message.TrimEnd('.')}");
        }
        finally
        {
            try { Directory.Delete(scratchDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Runs a statement against the database (tests and set-up); returns the first column of every row.</summary>
    /// <summary>The database file's and its WAL's size and mtime: every commit touches one of them.</summary>
    public string? Fingerprint(DatabaseTarget target, CancellationToken cancellation)
    {
        if (target.Path is null) return null;
        var print = new System.Text.StringBuilder();
        foreach (string suffix in new[] { "", "-wal" })
        {
            var info = new FileInfo(target.Path + suffix);
            print.Append(suffix).Append(':').Append(info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "-").Append('|');
        }
        return print.ToString();
    }

    internal static IReadOnlyList<string> Query(string path, string sql)
    {
        SqliteNative.EnsureInitialized();
        using var connection = Open(path, SqliteOpenMode.ReadWriteCreate);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        do
        {
            while (reader.Read()) rows.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        } while (reader.NextResult());
        return rows;
    }

    private static string SourcePath(DatabaseTarget target)
    {
        if (target.Type != DatabaseTarget.Sqlite || string.IsNullOrWhiteSpace(target.Path))
        {
            throw new InvalidInputException("DatabasePathMissing", "The SQLite database has no path: set database.path in backup_config.yaml (or DATABASE_URL=sqlite:PATH).");
        }
        return Path.GetFullPath(target.Path);
    }

    private static void RequireDump(string dumpFile)
    {
        if (!File.Exists(dumpFile))
        {
            throw new NotFoundException("DatabaseDumpNotFound", $"The dump {dumpFile} does not exist: pick a backup that contains a database dump.");
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Turns the copy into a single rollback-journal file and checks it; null when it is sound.</summary>
    private static string? Check(string copy, out int tables)
    {
        tables = 0;
        using var connection = Open(copy, SqliteOpenMode.ReadWrite);
        using (var mode = connection.CreateCommand())
        {
            mode.CommandText = "PRAGMA journal_mode=DELETE";
            mode.ExecuteNonQuery();
        }
        var problems = new List<string>();
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check";
            using var reader = check.ExecuteReader();
            while (reader.Read()) problems.Add(reader.GetString(0));
        }
        if (problems.Count != 1 || problems[0] != "ok")
        {
            return string.Join("; ", problems.Take(5)) + (problems.Count > 5 ? $"; and {problems.Count - 5} more" : "");
        }
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        tables = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        return null;
    }

    private static void CopyOwnerOnly(string from, string to, CancellationToken cancellation)
    {
        using var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var output = DatabaseTools.CreateOwnerOnly(to);
        input.CopyToAsync(output, cancellation).GetAwaiter().GetResult();
        output.Flush(flushToDisk: true);
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection.ServerVersion;
    }
}
