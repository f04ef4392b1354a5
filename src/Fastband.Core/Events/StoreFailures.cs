using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fastband.Core.Events;

/// <summary>Why a write to the store failed, as far as the event log cares.</summary>
internal enum StoreFailureKind
{
    /// <summary>Not a failure the event log handles: it propagates as it is.</summary>
    Other,
    /// <summary>Another writer holds the store: worth retrying with backoff.</summary>
    Contention,
    /// <summary>The store cannot be written at all (read-only file or folder, full disk, I/O error, unreachable): queue offline.</summary>
    Unwritable,
}

internal static class StoreFailures
{
    // SQLite primary result codes (the low byte of an extended code).
    private const int Perm = 3, Busy = 5, Locked = 6, ReadOnly = 8, IoErr = 10, Full = 13, CantOpen = 14;

    public static StoreFailureKind Classify(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case PostgresException pg:
                    return pg.SqlState switch
                    {
                        PostgresErrorCodes.LockNotAvailable => StoreFailureKind.Contention, // lock_timeout behind another writer
                        PostgresErrorCodes.ReadOnlySqlTransaction or PostgresErrorCodes.DiskFull or PostgresErrorCodes.AdminShutdown
                            or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => StoreFailureKind.Unwritable,
                        _ when pg.SqlState.StartsWith("08", StringComparison.Ordinal) => StoreFailureKind.Unwritable, // connection exceptions
                        _ => StoreFailureKind.Other,
                    };
                case NpgsqlException:
                    return StoreFailureKind.Unwritable; // no answer from the server: refused, reset, timed out, gone mid-statement
                case TimeoutException:
                    return StoreFailureKind.Contention; // this machine's writer queue did not open in time
                case SqliteException s:
                    return (s.SqliteErrorCode & 0xFF) switch
                    {
                        Busy or Locked => StoreFailureKind.Contention,
                        Perm or ReadOnly or IoErr or Full or CantOpen => StoreFailureKind.Unwritable,
                        _ => StoreFailureKind.Other,
                    };
                case IOException or UnauthorizedAccessException:
                    return StoreFailureKind.Unwritable;
            }
        }
        return StoreFailureKind.Other;
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1: the first delay doubled per attempt, times a jitter in [0.5, 1.5).</summary>
    public static TimeSpan Backoff(TimeSpan first, int attempt, Random random) =>
        TimeSpan.FromMilliseconds(first.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.5 + random.NextDouble()));

    /// <summary>The innermost message, for the one sentence a failure gets.</summary>
    public static string Reason(Exception e)
    {
        var x = e;
        while (x.InnerException is not null && x is not (SqliteException or NpgsqlException)) x = x.InnerException;
        return x.Message.TrimEnd('.').ReplaceLineEndings(" ");
    }
}
