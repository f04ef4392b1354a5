using Fastband.Core.Store;
using Npgsql;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>
/// The PostgreSQL server tests/servers/start.sh runs (FASTBAND_TEST_PG_*). Each store a test opens lives in
/// a fresh schema of the test database, dropped at the end. Without the variables the tests fail, saying why:
/// test.sh always starts the server, so a silent pass would hide a store that was never tested.
/// </summary>
internal static class PgTestServer
{
    public const string PasswordVariable = "FASTBAND_TEST_PG_PASSWORD";

    private static string Get(string name)
    {
        string variable = $"FASTBAND_TEST_PG_{name}";
        string? value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(value))
            Assert.Fail($"{variable} is not set, so the PostgreSQL store cannot be tested: run tests/servers/start.sh and then `. .build/servers/env` before these tests (test.sh does both).");
        return value!;
    }

    public static string Host => Get("HOST");
    public static int Port => int.Parse(Get("PORT"), System.Globalization.CultureInfo.InvariantCulture);
    public static string User => Get("USER");
    public static string Password => Get("PASSWORD");

    /// <summary>
    /// A database of the store tests' own, beside FASTBAND_TEST_PG_DB: the backup tests fingerprint that one, and
    /// schemas coming and going in it would look like changes to them.
    /// </summary>
    public static string Database => StoreDatabase.Value;

    private static readonly Lazy<string> StoreDatabase = new(() =>
    {
        const string name = "fastband_stores";
        using var c = new NpgsqlConnection($"Host={Host};Port={Port};Database={Get("DB")};Username={User};Password={Password};Pooling=false");
        c.Open();
        using var exists = new NpgsqlCommand("SELECT COUNT(*) FROM pg_database WHERE datname = @n;", c);
        exists.Parameters.AddWithValue("n", name);
        if ((long)exists.ExecuteScalar()! == 0)
        {
            try
            {
                using var create = new NpgsqlCommand($"CREATE DATABASE {name};", c);
                create.ExecuteNonQuery();
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
            {
                // another test process created it first
            }
        }
        return name;
    });

    /// <summary>The connection string without the password.</summary>
    public static string Connection => $"Host={Host};Port={Port};Database={Database};Username={User}";

    public static string NewSchema(string label = "t") =>
        $"{label}_{Guid.NewGuid():N}"[..Math.Min(40, label.Length + 33)].ToLowerInvariant();

    /// <summary>A target in <paramref name="schema"/>, with the password from FASTBAND_TEST_PG_PASSWORD.</summary>
    public static PostgresTarget Target(string schema)
    {
        _ = Password;
        var settings = new StoreSettings { PasswordEnv = PasswordVariable, Schema = schema };
        return PostgresTarget.Parse(Connection, settings, ConnectionOrigin.Environment, Environment.GetEnvironmentVariable, resolvePassword: true);
    }

    public static void Admin(string sql)
    {
        using var c = new NpgsqlConnection($"{Connection};Password={Password};Pooling=false");
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    public static void DropSchema(string schema)
    {
        // Each schema's stores have a pool of their own (the search path differs): close its idle connections, or a
        // run of many tests exhausts the server's connection slots.
        NpgsqlConnection.ClearAllPools();
        try { Admin($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;"); }
        catch (NpgsqlException) { /* the server went away first: nothing to clean */ }
    }

    /// <summary>
    /// FASTBAND_STORE for a scratch project on a fresh schema (the password in a 0600 passfile beside the project),
    /// as an environment function, and the schema to drop afterwards.
    /// </summary>
    public static (Func<string, string?> Environment, string Schema) StoreEnvironment(string projectRoot, string label)
    {
        string schema = NewSchema(label);
        string passfile = WritePassfile(projectRoot);
        string store = $"{Connection};Passfile={passfile};Search Path={schema}";
        return (name => name == StoreSettings.Variable ? store : null, schema);
    }

    private static string WritePassfile(string projectRoot)
    {
        string passfile = Path.Combine(projectRoot, ".pgpass");
        File.WriteAllText(passfile, $"{Host}:{Port}:{Database}:{User}:{Password}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return passfile;
    }

    /// <summary>
    /// Points a scratch project at a fresh schema: a 0600 passfile beside it and a store: section in its
    /// config.yaml, so that every process that opens the project (the CLI, workers) uses PostgreSQL.
    /// </summary>
    public static string UsePostgres(string projectRoot, string label = "p", string extraConfig = "")
    {
        string schema = NewSchema(label);
        string stateDir = Path.Combine(projectRoot, ".fastband");
        string passfile = Path.Combine(projectRoot, ".pgpass");
        File.WriteAllText(passfile, $"{Host}:{Port}:{Database}:{User}:{Password}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.CreateDirectory(stateDir);
        File.WriteAllText(Path.Combine(stateDir, FastbandConfig.FileName),
            $"store:\n  type: postgres\n  connection: \"{Connection};Passfile={passfile}\"\n  schema: {schema}\n" + extraConfig);
        return schema;
    }
}
