using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

/// <summary>backup_config.yaml read field by field (no reflection): every field, and a wrong one named with its line.</summary>
public sealed class BackupConfigYamlTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "fastband-yaml-" + Guid.NewGuid().ToString("N")[..12]);
    private string State => Path.Combine(_root, ".fastband");

    public BackupConfigYamlTests() => Directory.CreateDirectory(State);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private BackupConfig Load(string yaml)
    {
        File.WriteAllText(Path.Combine(State, BackupConfig.FileName), yaml);
        return BackupConfig.Load(_root, State, _ => null);
    }

    private string Refused(string yaml) => Assert.Throws<InvalidInputException>(() => Load(yaml)).Message;

    [Fact]
    public void Every_field_is_read_and_an_empty_value_keeps_its_default()
    {
        var c = Load("""
            enabled: true
            daily_enabled: no
            daily_time: "03:30"
            daily_retention: 9
            weekly_enabled: false
            weekly_day: friday
            weekly_retention: 2
            change_detection: false
            backup_code: true
            backup_config: false
            backup_data: true
            backup_database: false
            backup_git: true
            exclude_patterns: ["*.log", tmp/]
            config_files:
              - .env
              - settings/app.toml
            data_dir: var/data
            compression_level: smallest
            database:
              type: postgres
              host: db.internal
              port: 5433
              name: app
              user: backup
              passwordEnv: APP_DB_PASSWORD
            """);
        Assert.False(c.DailyEnabled);
        Assert.Equal(new TimeOnly(3, 30), c.DailyTime);
        Assert.Equal(9, c.DailyRetention);
        Assert.False(c.WeeklyEnabled);
        Assert.Equal(DayOfWeek.Friday, c.WeeklyDay);
        Assert.Equal(2, c.WeeklyRetention);
        Assert.False(c.ChangeDetection);
        Assert.Equal(new[] { "code", "data", "git" }, c.Components.Order());
        Assert.Equal(new[] { "*.log", "tmp/" }, c.ExcludePatterns);
        Assert.Equal(new[] { ".env", "settings/app.toml" }, c.ConfigFiles);
        Assert.Equal("var/data", c.DataDirectory);
        Assert.Equal(System.IO.Compression.CompressionLevel.SmallestSize, c.Compression);
        Assert.Equal(("postgres", "db.internal", (int?)5433, "app", "backup", "APP_DB_PASSWORD"),
            (c.Database.Type, c.Database.Host, c.Database.Port, c.Database.Name, c.Database.User, c.Database.PasswordEnv));

        var defaults = Load("daily_retention:\nexclude_patterns:\n# nothing else\n");
        Assert.Equal(7, defaults.DailyRetention);
        Assert.Empty(defaults.ExcludePatterns);
        Assert.Equal(5, defaults.Components.Count);
    }

    [Theory]
    [InlineData("enabled: true\ndaily_retention: many\n", "line 2: daily_retention must be a whole number")]
    [InlineData("backup_git: maybe\n", "line 1: backup_git must be true or false")]
    [InlineData("\n\nexclude_patterns:\n  - a\n  - [b]\n", "line 5: exclude_patterns must be a list of plain values")]
    [InlineData("data_dir: [a, b]\n", "line 1: data_dir must be a single value")]
    [InlineData("database:\n  type: sqlite\n  paht: app.db\n", "line 3: 'database.paht' is not a field here")]
    [InlineData("daily_time: \"01:00\"\ndaily_time: \"02:00\"\n", "line 2: Duplicate key daily_time")]
    [InlineData("- just\n- a list\n", "line 1: the file must be a map of fields")]
    [InlineData("database: sqlite\n", "line 1: database must be a map of fields")]
    [InlineData("enabled: [unclosed\n", "line 2:")]
    public void A_wrong_value_is_refused_with_the_file_its_line_and_the_field(string yaml, string expected)
    {
        string message = Refused(yaml);
        Assert.True(message.Contains($"{Path.Combine(State, BackupConfig.FileName)}, {expected}", StringComparison.Ordinal), message);
        Assert.EndsWith("nothing was backed up.", message);
    }
}
