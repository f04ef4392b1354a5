using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MySqlConnector;

namespace Fastband.Core.Backup.Database;

/// <summary>
/// Fastband's own SQL with MySQL/MariaDB (connection checks, the change fingerprint, the verify step's scratch
/// schema), over MySqlConnector in this process. The password goes from its variable (or DATABASE_URL) into the
/// connection string builder and nowhere else: no command line, no file, no child process. A failure comes out
/// as one sentence naming host:port, the user and the database, never the password.
/// </summary>
internal sealed class MySqlConversation
{
    /// <summary>As long as the PostgreSQL tools are given (PGCONNECT_TIMEOUT).</summary>
    internal const int ConnectTimeoutSeconds = 15;

    /// <summary>Fastband's statements are small (status, counts, CREATE/DROP of a scratch schema).</summary>
    internal const int CommandTimeoutSeconds = 120;

    public MySqlConversation(DatabaseTarget target)
    {
        Target = target;
        Password = target.ResolvePassword();
    }

    public DatabaseTarget Target { get; }

    public string? Password { get; }

    /// <summary>The connection string, password included: for MySqlConnector only, never print it.</summary>
    internal string ConnectionString(string? database)
    {
        var builder = new MySqlConnectionStringBuilder
        {
            Server = Target.Host,
            Port = (uint)Target.EffectivePort,
            UserID = Target.User,
            ConnectionTimeout = ConnectTimeoutSeconds,
            DefaultCommandTimeout = CommandTimeoutSeconds,
            // A backup talks to the server a few times, minutes apart: no idle connection kept in a long-lived pwsh.
            Pooling = false,
            ApplicationName = "fastband",
        };
        if (database is not null) builder.Database = database;
        if (!string.IsNullOrEmpty(Password)) builder.Password = Password;
        return builder.ConnectionString;
    }

    /// <summary>An open connection to <paramref name="database"/> (null: none selected); throws the classified failure.</summary>
    public MySqlConnection Open(string? database, CancellationToken cancellation)
    {
        var connection = new MySqlConnection(ConnectionString(database));
        try
        {
            connection.OpenAsync(cancellation).GetAwaiter().GetResult();
            return connection;
        }
        catch (Exception e) when (IsDriverFailure(e) && !cancellation.IsCancellationRequested)
        {
            connection.Dispose();
            throw Failure(e, database, "connecting");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the target's database and asks for the server version: the check before a dump or restore.</summary>
    public string Check(CancellationToken cancellation)
    {
        using var connection = Open(Target.Name, cancellation);
        return connection.ServerVersion;
    }

    /// <summary>Runs <paramref name="sql"/> and returns its rows (every result set), each value as text (NULL as null).</summary>
    public List<string?[]> Rows(MySqlConnection connection, string sql, CancellationToken cancellation, params (string Name, object Value)[] parameters)
    {
        try
        {
            using var command = Command(connection, sql, parameters);
            using var reader = command.ExecuteReaderAsync(cancellation).GetAwaiter().GetResult();
            var rows = new List<string?[]>();
            do
            {
                while (reader.ReadAsync(cancellation).GetAwaiter().GetResult())
                {
                    var row = new string?[reader.FieldCount];
                    for (int i = 0; i < row.Length; i++)
                    {
                        row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
                    }
                    rows.Add(row);
                }
            }
            while (reader.NextResultAsync(cancellation).GetAwaiter().GetResult());
            return rows;
        }
        catch (Exception e) when (IsDriverFailure(e) && !cancellation.IsCancellationRequested)
        {
            throw Failure(e, connection.Database, "the query");
        }
    }

    /// <summary>Runs a statement that returns nothing (CREATE, DROP).</summary>
    public void Execute(MySqlConnection connection, string sql, CancellationToken cancellation)
    {
        try
        {
            using var command = Command(connection, sql, Array.Empty<(string, object)>());
            command.ExecuteNonQueryAsync(cancellation).GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsDriverFailure(e) && !cancellation.IsCancellationRequested)
        {
            throw Failure(e, connection.Database, "the statement");
        }
    }

    /// <summary>
    /// One sentence for a failure: cannot connect to host:port, access denied for the user, no such database,
    /// or what the server said about the statement. The password never appears (MySQL does not echo it; it is
    /// taken out anyway).
    /// </summary>
    internal FastbandException Failure(Exception e, string? database, string doing)
    {
        string at = $"{Target.Host}:{Target.EffectivePort}";
        string passwordSource = Target.PasswordEnv is { Length: > 0 } env ? env : "DATABASE_URL";
        string reason = Reason(e);
        return e switch
        {
            MySqlException { ErrorCode: MySqlErrorCode.AccessDenied or MySqlErrorCode.HostNotPrivileged or MySqlErrorCode.HostIsBlocked } =>
                new FastbandException(FailureKind.Failed, "DatabaseAccessDenied",
                    $"The MySQL/MariaDB server at {at} denied access to user '{Target.User}' ({reason}): check the user and the password in {passwordSource}.", e),
            MySqlException { ErrorCode: MySqlErrorCode.UnknownDatabase } =>
                new NotFoundException("DatabaseNotFound",
                    $"The MySQL/MariaDB server at {at} has no database '{database ?? Target.Name}' ({reason}): create it, or fix database.name (or the name in DATABASE_URL)."),
            MySqlException { ErrorCode: MySqlErrorCode.DatabaseAccessDenied } =>
                new FastbandException(FailureKind.Failed, "DatabaseAccessDenied",
                    $"User '{Target.User}' may not use database '{database ?? Target.Name}' on the MySQL/MariaDB server at {at} ({reason}): grant the user access to it, or fix database.user.", e),
            _ when IsUnreachable(e) =>
                new FastbandException(FailureKind.Failed, "DatabaseConnectFailed",
                    $"Cannot connect to the MySQL/MariaDB server at {at} ({reason}): check that it runs and accepts TCP connections there, and database.host and database.port (or DATABASE_URL).", e),
            _ =>
                new FastbandException(FailureKind.Failed, "DatabaseQueryFailed",
                    $"{char.ToUpperInvariant(doing[0])}{doing[1..]} against {Target} failed ({reason}): check the user's privileges on the server.", e),
        };
    }

    private static MySqlCommand Command(MySqlConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    private static bool IsDriverFailure(Exception e) =>
        e is MySqlException or SocketException or TimeoutException or IOException or InvalidOperationException or OperationCanceledException;

    private static bool IsUnreachable(Exception e) =>
        e is SocketException or TimeoutException or IOException or OperationCanceledException
        || e is MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ConnectionCountError or MySqlErrorCode.ServerShutdown }
        || e.InnerException is SocketException or TimeoutException or IOException;

    /// <summary>What went wrong, one line, without a trailing period and without the password.</summary>
    private string Reason(Exception e)
    {
        string reason = e switch
        {
            MySqlException { InnerException: SocketException s } m => $"{m.Message.TrimEnd('.')}: {s.Message}",
            MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost, InnerException: { } inner } => inner.Message,
            // MySqlConnector does not say whether the port refused or stayed silent.
            MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost } => $"nothing accepted the connection within {ConnectTimeoutSeconds} s",
            TimeoutException or OperationCanceledException => $"no answer within {ConnectTimeoutSeconds} s",
            MySqlException m when m.Number > 0 => $"{m.Message.TrimEnd('.')}, error {m.Number}",
            _ => e.Message,
        };
        reason = reason.ReplaceLineEndings(" ").Trim().TrimEnd('.');
        return DatabaseTools.Redact(reason, Password);
    }

    /// <summary>Rows as text the way the client's batch mode prints them: tab between values, a line per row.</summary>
    internal static string AsText(IEnumerable<string?[]> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows) text.Append(string.Join('\t', row.Select(v => v ?? "NULL"))).Append('\n');
        return text.ToString();
    }
}
