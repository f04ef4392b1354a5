using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Fastband.Core.Store;

/// <summary>Where a connection string came from: it decides whether a password inside it is accepted.</summary>
public enum ConnectionOrigin
{
    /// <summary>.fastband/config.yaml: a password is refused unless store.allowPlaintextPassword is true.</summary>
    Config,
    /// <summary>FASTBAND_STORE: accepted, like PGPASSWORD.</summary>
    Environment,
    /// <summary>--connection / -Connection: refused, since the process list shows it.</summary>
    CommandLine,
}

/// <summary>
/// Where a PostgreSQL store lives and how to reach it. The password is held apart from everything that is
/// printed: <see cref="Location"/> and <see cref="ToString"/> never include it.
/// </summary>
public sealed class PostgresTarget
{
    private readonly NpgsqlConnectionStringBuilder _builder; // never holds the password
    private readonly string? _password;

    private PostgresTarget(NpgsqlConnectionStringBuilder builder, string? password, string schema)
    {
        _builder = builder;
        _password = password;
        Schema = schema;
    }

    public string Host => _builder.Host ?? "localhost";
    public int Port => _builder.Port;
    public string Database => _builder.Database ?? _builder.Username ?? Environment.UserName;
    public string? Username => _builder.Username;

    /// <summary>The schema the tables live in; stores in different schemas of one database are separate.</summary>
    public string Schema { get; }

    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(_builder.Timeout);

    /// <summary>For messages and <c>store info</c>: <c>postgres://user@host:port/db</c>, plus the schema when it is not public. No password.</summary>
    public string Location => $"postgres://{(Username is null ? "" : Username + "@")}{Host}:{Port}/{Database}" + (Schema == "public" ? "" : $"?schema={Schema}");

    public override string ToString() => Location;

    /// <summary>A number that names this store (database-wide advisory lock keys, NOTIFY channels): the same for every client of it.</summary>
    internal int StoreKey => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(Schema)), 0);

    /// <summary>The connection string with the password, for Npgsql only: never print it.</summary>
    internal string ConnectionString()
    {
        var b = new NpgsqlConnectionStringBuilder(_builder.ConnectionString) { SearchPath = Quote(Schema) };
        if (_password is not null) b.Password = _password;
        return b.ConnectionString;
    }

    /// <summary>The same server, user and password, another schema (for tests and copies).</summary>
    public PostgresTarget WithSchema(string schema) => new(new NpgsqlConnectionStringBuilder(_builder.ConnectionString), _password, ValidSchema(schema, "schema"));

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    /// <summary>
    /// Reads a connection string (<c>Host=...;Database=...</c>) or a URL (<c>postgres://user@host:port/db?schema=x</c>).
    /// A password inside it is refused when it comes from the config file, unless the settings allow plain text;
    /// else the password comes from <see cref="StoreSettings.PasswordEnv"/>, or Npgsql finds it in a PGPASSFILE.
    /// </summary>
    public static PostgresTarget Parse(string text, StoreSettings settings, ConnectionOrigin origin, Func<string, string?> environment, bool resolvePassword)
    {
        string where = origin switch
        {
            ConnectionOrigin.Config => $"store.connection in '{settings.ConfigPath}'",
            ConnectionOrigin.CommandLine => "--connection",
            _ => StoreSettings.Variable,
        };
        string? schema = settings.Schema;
        NpgsqlConnectionStringBuilder builder;
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            builder = FromUrl(text, where, ref schema);
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException e)
            {
                throw new InvalidInputException("InvalidStoreConnection", $"{where} is not a valid PostgreSQL connection string ({FirstSentence(e.Message)}): write it as \"Host=db1;Port=5432;Database=fastband;Username=fastband\" or postgres://fastband@db1:5432/fastband.");
            }
            if (!string.IsNullOrEmpty(builder.SearchPath))
            {
                schema ??= builder.SearchPath.Split(',')[0].Trim().Trim('"');
                builder.SearchPath = null;
            }
        }
        if (string.IsNullOrEmpty(builder.Host))
            throw new InvalidInputException("InvalidStoreConnection", $"{where} names no host: add Host=... (or the host of the URL).");
        string? password = builder.Password;
        builder.Password = null;
        if (password is not null && origin == ConnectionOrigin.Config && !settings.AllowPlaintextPassword)
            throw new InvalidInputException("PlaintextStorePassword",
                $"{where} holds a password in plain text: remove it and name the variable that holds it with store.passwordEnv (or use a PGPASSFILE), or set store.allowPlaintextPassword: true to accept it.");
        if (password is not null && origin == ConnectionOrigin.CommandLine)
            throw new InvalidInputException("PasswordOnCommandLine",
                $"{where} holds a password, which every user of this machine can read from the process list: remove it and pass --password-env NAME (the variable that holds it) or use a PGPASSFILE.");
        if (resolvePassword && settings.PasswordEnv is { } variable)
        {
            password = environment(variable) ?? throw new InvalidInputException("StorePasswordMissing",
                $"The store password variable {variable} (store.passwordEnv) is not set: export it in the environment that runs Fastband.");
        }
        // The connect timeout comes from store.connectTimeout unless the connection names one itself.
        bool ownTimeout = text.Split(';', '?', '&').Select(p => p.Split('=')[0].Trim()).Any(k => k.Equals("Timeout", StringComparison.OrdinalIgnoreCase) || k.Equals("connect_timeout", StringComparison.OrdinalIgnoreCase));
        if (!ownTimeout)
            builder.Timeout = Math.Max(1, (int)Math.Ceiling(settings.ConnectTimeout.TotalSeconds));
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "fastband";
        // The store sends the same few statements over and over: let Npgsql prepare them, sparing the server a parse and plan each time.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        return new PostgresTarget(builder, password, ValidSchema(schema ?? "public", where));
    }

    private static string ValidSchema(string schema, string where) =>
        schema.Length is > 0 and <= 63 && schema.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(schema[0])
        && !schema.StartsWith("pg_", StringComparison.OrdinalIgnoreCase)
            ? schema
            : throw new InvalidInputException("InvalidStoreSchema", $"The store schema '{schema}' ({where}) is not a plain name: use letters, digits and '_' (at most 63), not starting with a digit or pg_.");

    private static NpgsqlConnectionStringBuilder FromUrl(string text, string where, ref string? schema)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new InvalidInputException("InvalidStoreConnection", $"{where} is not a valid postgres:// URL: write it as postgres://user@host:5432/database.");
        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']'), Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) b.Database = database;
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) b.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            string key = Uri.UnescapeDataString(kv[0]), value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            switch (key.ToLowerInvariant())
            {
                case "schema": schema ??= value; break;
                case "sslmode":
                    if (!Enum.TryParse<SslMode>(value.Replace("-", ""), ignoreCase: true, out var mode))
                        throw new InvalidInputException("InvalidStoreConnection", $"{where} has sslmode={value}: use disable, allow, prefer, require, verify-ca or verify-full.");
                    b.SslMode = mode;
                    break;
                case "connect_timeout": b.Timeout = int.Parse(value, CultureInfo.InvariantCulture); break;
                default:
                    throw new InvalidInputException("InvalidStoreConnection", $"{where} has an unknown URL parameter '{key}': use schema, sslmode or connect_timeout.");
            }
        }
        return b;
    }

    private static string FirstSentence(string message) => message.Split('\n')[0].Split(" (Parameter")[0].TrimEnd('.');

    /// <summary>
    /// The failure to report when the server cannot be reached or refuses us: host, port and the reason, one
    /// sentence, never the password.
    /// </summary>
    internal StoreException Unreachable(Exception e)
    {
        string reason = e switch
        {
            PostgresException pg => $"{pg.MessageText} ({pg.SqlState})",
            NpgsqlException { InnerException: TimeoutException } or TimeoutException => $"no answer within {(int)ConnectTimeout.TotalSeconds} s",
            NpgsqlException { InnerException: System.Net.Sockets.SocketException s } => s.Message,
            NpgsqlException { InnerException: { } inner } => inner.Message,
            _ => e.Message,
        };
        reason = reason.ReplaceLineEndings(" ").TrimEnd('.');
        if (_password is not null) reason = reason.Replace(_password, "***", StringComparison.Ordinal);
        return new StoreException(
            $"The PostgreSQL store at {Host}:{Port} (database {Database}, user {Username ?? "(default)"}) could not be reached: {reason}; check that the server runs and accepts this client, and the store settings (.fastband/config.yaml store:, or {StoreSettings.Variable}).", e);
    }
}
