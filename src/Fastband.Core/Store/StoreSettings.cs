using System.Text.Json;

namespace Fastband.Core.Store;

/// <summary>
/// The <c>store:</c> section of .fastband/config.yaml: which backend holds the project's data.
/// <code>
/// store:
///   type: postgres                      # sqlite (the default: .fastband/fastband.db) or postgres
///   connection: "Host=db1;Port=5432;Database=fastband;Username=fastband"   # or postgres://fastband@db1:5432/fastband
///   passwordEnv: FASTBAND_PG_PASSWORD   # the variable that holds the password; else a PGPASSFILE / ~/.pgpass
///   schema: public                      # the schema the tables live in (one database can hold several stores)
///   connectTimeout: 5s                  # how long to wait for the server before failing
/// </code>
/// A password written into <c>connection</c> is refused unless <c>allowPlaintextPassword: true</c>.
/// </summary>
public sealed class StoreSettings
{
    private const string Section = "store";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>The environment variable that overrides the section: a connection string, a postgres:// URL, or "sqlite".</summary>
    public const string Variable = "FASTBAND_STORE";

    public string Type { get; set; } = Sqlite;
    public string? Connection { get; set; }
    public string? PasswordEnv { get; set; }
    public bool AllowPlaintextPassword { get; set; }
    public string? Schema { get; set; }
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What chose the store: FASTBAND_STORE, the config file, or nothing (the default SQLite file).</summary>
    public string SelectedBy(Func<string, string?> environment) =>
        !string.IsNullOrWhiteSpace(environment(Variable)) ? Variable
        : Type == Postgres ? ConfigPath ?? "config"
        : "default";

    /// <summary>A copy of these settings with another password variable and schema (for --password-env, --schema).</summary>
    internal StoreSettings With(string? passwordEnv, string? schema) => new()
    {
        Type = Type, Connection = Connection, PasswordEnv = passwordEnv ?? PasswordEnv, AllowPlaintextPassword = AllowPlaintextPassword,
        Schema = schema ?? Schema, ConnectTimeout = ConnectTimeout, ConfigPath = ConfigPath,
    };

    /// <summary>The config file the section came from (for messages), or null.</summary>
    public string? ConfigPath { get; private set; }

    internal void Read(JsonElement e, string path)
    {
        ConfigPath = path;
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Name)
            {
                case "type":
                    string? type = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()?.Trim().ToLowerInvariant() : null;
                    if (type is "postgresql") type = Postgres;
                    if (type is not (Sqlite or Postgres)) throw FastbandConfig.Bad(path, Section, p.Name, "sqlite or postgres");
                    Type = type;
                    break;
                case "connection": Connection = Text(p, path, "a connection string such as \"Host=db1;Port=5432;Database=fastband;Username=fastband\" or a postgres:// URL"); break;
                case "passwordEnv": PasswordEnv = Text(p, path, "the name of an environment variable"); break;
                case "schema": Schema = Text(p, path, "a schema name"); break;
                case "allowPlaintextPassword":
                    if (p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw FastbandConfig.Bad(path, Section, p.Name, "true or false");
                    AllowPlaintextPassword = p.Value.GetBoolean();
                    break;
                case "connectTimeout": ConnectTimeout = FastbandConfig.Duration(p, path, Section); break;
                default:
                    throw FastbandConfig.Unknown(path, Section, p.Name, "type", "connection", "passwordEnv", "schema", "allowPlaintextPassword", "connectTimeout");
            }
        }
        if (Type == Postgres && Connection is null)
            throw new InvalidInputException("InvalidConfig", $"The config file '{path}' sets store.type to postgres but gives no store.connection: add one, e.g. \"Host=db1;Database=fastband;Username=fastband\".");
        if (Connection is not null && Type == Sqlite && !e.TryGetProperty("type", out _)) Type = Postgres;
        // Checked now, so that a config that would put a password in plain text fails on every command, not only on the first connect.
        if (Connection is not null) PostgresTarget.Parse(Connection, this, ConnectionOrigin.Config, environment: _ => null, resolvePassword: false);
    }

    private static string Text(JsonProperty p, string path, string expected) =>
        p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString())
            ? p.Value.GetString()!.Trim()
            : throw FastbandConfig.Bad(path, Section, p.Name, expected);

    /// <summary>
    /// The PostgreSQL store selected by FASTBAND_STORE (first) or this section, or null for the SQLite file.
    /// </summary>
    public PostgresTarget? SelectPostgres(Func<string, string?> environment)
    {
        string? fromEnv = environment(Variable)?.Trim();
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (fromEnv.Equals(Sqlite, StringComparison.OrdinalIgnoreCase)) return null;
            return PostgresTarget.Parse(fromEnv, this, ConnectionOrigin.Environment, environment, resolvePassword: true);
        }
        if (Type != Postgres || Connection is null) return null;
        return PostgresTarget.Parse(Connection, this, ConnectionOrigin.Config, environment, resolvePassword: true);
    }
}
