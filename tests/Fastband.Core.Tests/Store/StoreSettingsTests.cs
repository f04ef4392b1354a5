using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>The store: section, FASTBAND_STORE and what a connection may carry. No server needed.</summary>
public sealed class StoreSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fb-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FastbandConfig LoadYaml(string text)
    {
        File.WriteAllText(Path.Combine(_dir, FastbandConfig.FileName), text);
        return FastbandConfig.Load(_dir);
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Without_a_section_or_variable_the_store_is_the_SQLite_file()
    {
        var settings = FastbandConfig.Load(_dir).Store;
        Assert.Null(settings.SelectPostgres(Env()));
        Assert.Equal("default", settings.SelectedBy(Env()));
    }

    [Fact]
    public void The_section_selects_postgres_and_the_location_never_holds_the_password()
    {
        var settings = LoadYaml("""
            store:
              type: postgres
              connection: "Host=db1;Port=6543;Database=team;Username=agents"
              passwordEnv: TEAM_PG
              schema: project_a
              connectTimeout: 3s
            """).Store;
        var target = settings.SelectPostgres(Env(("TEAM_PG", "s3cret")))!;
        Assert.Equal(("db1", 6543, "team", "agents", "project_a"), (target.Host, target.Port, target.Database, target.Username, target.Schema));
        Assert.Equal("postgres://agents@db1:6543/team?schema=project_a", target.Location);
        Assert.DoesNotContain("s3cret", target.Location + target);
        Assert.Contains("Password=s3cret", target.ConnectionString()); // for Npgsql only
        Assert.Equal(TimeSpan.FromSeconds(3), target.ConnectTimeout);
    }

    [Fact]
    public void A_missing_password_variable_is_named()
    {
        var settings = LoadYaml("store:\n  connection: \"Host=db1;Database=team;Username=agents\"\n  passwordEnv: TEAM_PG\n").Store;
        var e = Assert.Throws<InvalidInputException>(() => settings.SelectPostgres(Env()));
        Assert.Contains("TEAM_PG", e.Message);
    }

    [Fact]
    public void A_password_in_the_config_is_refused_without_the_opt_in_and_accepted_with_it()
    {
        var e = Assert.Throws<InvalidInputException>(() => LoadYaml("store:\n  connection: \"Host=db1;Database=team;Username=agents;Password=hunter2\"\n"));
        Assert.Equal("PlaintextStorePassword", e.ErrorId);
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.Contains("allowPlaintextPassword", e.Message);

        var url = Assert.Throws<InvalidInputException>(() => LoadYaml("store:\n  connection: \"postgres://agents:hunter2@db1/team\"\n"));
        Assert.Equal("PlaintextStorePassword", url.ErrorId);

        var allowed = LoadYaml("store:\n  connection: \"Host=db1;Database=team;Username=agents;Password=hunter2\"\n  allowPlaintextPassword: true\n").Store;
        Assert.Contains("Password=hunter2", allowed.SelectPostgres(Env())!.ConnectionString());
    }

    [Fact]
    public void FASTBAND_STORE_wins_over_the_section_accepts_a_URL_with_its_password_and_can_force_sqlite()
    {
        var settings = LoadYaml("store:\n  connection: \"Host=db1;Database=team;Username=agents\"\n").Store;
        var target = settings.SelectPostgres(Env((StoreSettings.Variable, "postgres://ci:p%40ss@db2:5433/ci_db?schema=run_7&sslmode=disable")))!;
        Assert.Equal("postgres://ci@db2:5433/ci_db?schema=run_7", target.Location);
        Assert.Contains("Password=p@ss", target.ConnectionString());
        Assert.Equal(StoreSettings.Variable, settings.SelectedBy(Env((StoreSettings.Variable, "postgres://x@y/z"))));
        Assert.Null(settings.SelectPostgres(Env((StoreSettings.Variable, "sqlite"))));
    }

    [Fact]
    public void A_password_on_the_command_line_is_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() =>
            PostgresTarget.Parse("Host=db1;Username=a;Password=hunter2", new StoreSettings(), ConnectionOrigin.CommandLine, Env(), resolvePassword: true));
        Assert.Equal("PasswordOnCommandLine", e.ErrorId);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Theory]
    [InlineData("store:\n  type: mongo\n", "store.type")]
    [InlineData("store:\n  type: postgres\n", "no store.connection")]
    [InlineData("store:\n  connection: \"Host=db1\"\n  colour: blue\n", "unknown setting store.colour")]
    [InlineData("store:\n  connection: \"Host=db1\"\n  schema: \"pg_catalog\"\n", "not a plain name")]
    [InlineData("store:\n  connection: \"Host=db1\"\n  schema: \"a;drop\"\n", "not a plain name")]
    [InlineData("store:\n  connection: \"Hots=db1\"\n", "not a valid PostgreSQL connection string")]
    [InlineData("store:\n  connection: \"postgres://db1/x?colour=blue\"\n", "unknown URL parameter 'colour'")]
    public void Bad_settings_are_refused_with_one_sentence(string yaml, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => LoadYaml(yaml));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_connect_timeout_defaults_to_five_seconds_unless_the_connection_names_one()
    {
        var plain = LoadYaml("store:\n  connection: \"Host=db1;Database=x;Command Timeout=60\"\n").Store.SelectPostgres(Env())!;
        Assert.Equal(TimeSpan.FromSeconds(5), plain.ConnectTimeout);
        var own = LoadYaml("store:\n  connection: \"Host=db1;Database=x;Timeout=12\"\n").Store.SelectPostgres(Env())!;
        Assert.Equal(TimeSpan.FromSeconds(12), own.ConnectTimeout);
    }

    [Fact]
    public void Hosts_come_from_FASTBAND_HOST_else_the_machine_name()
    {
        Assert.Equal("ci-runner-7", CallerIdentity.Resolve("a", Env((CallerIdentity.HostVariable, "ci-runner-7"))).Host);
        Assert.Equal(Environment.MachineName, CallerIdentity.Resolve("a", Env()).Host);
    }
}
