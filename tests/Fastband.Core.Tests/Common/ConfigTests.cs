using Xunit;

namespace Fastband.Core.Tests.Common;

public sealed class ConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fb-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FastbandConfig LoadYaml(string text)
    {
        File.WriteAllText(Path.Combine(_dir, FastbandConfig.FileName), text);
        return FastbandConfig.Load(_dir);
    }

    [Fact]
    public void No_file_means_defaults()
    {
        var config = FastbandConfig.Load(_dir);
        Assert.Null(config.Path);
        Assert.Equal(30, config.OpsLog.RetentionDays);
    }

    [Fact]
    public void Yaml_sections_are_read()
    {
        var config = LoadYaml("""
            # comments are fine
            opsLog:
              retentionDays: 3
              directiveWindow: 2h
              pollInterval: "250ms"
            """);
        Assert.Equal(3, config.OpsLog.RetentionDays);
        Assert.Equal(TimeSpan.FromHours(2), config.OpsLog.DirectiveWindow);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.OpsLog.PollInterval);
        Assert.EndsWith("config.yaml", config.Path);
    }

    [Fact]
    public void An_empty_yaml_file_means_defaults() => Assert.Equal(30, LoadYaml("# nothing yet\n").OpsLog.RetentionDays);

    [Fact]
    public void Malformed_yaml_names_the_file_and_line()
    {
        var e = Assert.Throws<InvalidInputException>(() => LoadYaml("opsLog:\n  retentionDays: 3\n   bad: [\n"));
        Assert.Contains("config.yaml, line", e.Message);
    }

    [Fact]
    public void Unknown_sections_and_keys_are_refused_with_what_is_allowed()
    {
        var e = Assert.Throws<InvalidInputException>(() => LoadYaml("opslog:\n  retentionDays: 3\n"));
        Assert.Contains("unknown section 'opslog'", e.Message);
        Assert.Contains("opsLog", e.Message);
        e = Assert.Throws<InvalidInputException>(() => LoadYaml("opsLog:\n  retention: 3\n"));
        Assert.Contains("opsLog.retention", e.Message);
        Assert.Contains("retentionDays", e.Message);
    }

    [Fact]
    public void Wrong_kinds_of_value_are_refused()
    {
        Assert.Contains("opsLog.retentionDays", Assert.Throws<InvalidInputException>(() => LoadYaml("opsLog:\n  retentionDays: soon\n")).Message);
        Assert.Contains("opsLog.directiveWindow", Assert.Throws<InvalidInputException>(() => LoadYaml("opsLog:\n  directiveWindow: 30\n")).Message);
        Assert.Contains("line 3", Assert.Throws<InvalidInputException>(() => LoadYaml("opsLog:\n  retentionDays: 3\n  retentionDays: 4\n")).Message);
    }

    [Fact]
    public void Two_config_files_are_refused_rather_than_one_silently_winning()
    {
        File.WriteAllText(Path.Combine(_dir, FastbandConfig.JsonFileName), """{ "opsLog": { "retentionDays": 5 } }""");
        Assert.Equal(5, FastbandConfig.Load(_dir).OpsLog.RetentionDays);
        var e = Assert.Throws<InvalidInputException>(() => LoadYaml("opsLog:\n  retentionDays: 3\n"));
        Assert.Contains("Both", e.Message);
    }

    /// <summary>An alias inside the node it names: read naively, a tree with no end (a stack overflow).</summary>
    public const string SelfReference = "# settings\nopsLog: &loop\n  retentionDays: *loop\n";

    /// <summary>Nine levels of nine aliases ("billion laughs"): read naively, 9^9 strings.</summary>
    public static string BillionLaughs(string firstKey)
    {
        var text = new System.Text.StringBuilder("# settings\n");
        text.Append(firstKey).Append(": &l0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for (int i = 1; i < 10; i++)
            text.Append("l").Append(i).Append(": &l").Append(i).Append(" [").Append(string.Join(", ", Enumerable.Repeat("*l" + (i - 1), 9))).Append("]\n");
        return text.ToString();
    }

    [Fact]
    public void Anchors_and_aliases_in_config_yaml_are_refused_with_the_file_and_line()
    {
        string state = Path.Combine(_dir, ".fastband");
        Directory.CreateDirectory(state);
        string file = Path.Combine(state, FastbandConfig.FileName);
        const string expected = "YAML anchors and aliases are not supported in .fastband/config.yaml (line 2): write the value out.";

        File.WriteAllText(file, SelfReference);
        Assert.Equal(expected, Assert.Throws<InvalidInputException>(() => FastbandConfig.Load(state)).Message);
        File.WriteAllText(file, BillionLaughs("opsLog"));
        Assert.Equal(expected, Assert.Throws<InvalidInputException>(() => FastbandConfig.Load(state)).Message);
        // An alias alone (its anchor missing) is refused the same way, not as a parse error.
        File.WriteAllText(file, "opsLog:\n  retentionDays: 3\n  directiveWindow: *w\n");
        Assert.Equal("YAML anchors and aliases are not supported in .fastband/config.yaml (line 3): write the value out.",
            Assert.Throws<InvalidInputException>(() => FastbandConfig.Load(state)).Message);
        // A '&' or '*' inside a quoted value is text, not an anchor.
        File.WriteAllText(file, "opsLog:\n  directiveWindow: \"24h\" # &not *an alias\nalerts:\n  webhooks: [\"https://x/?a=1&b=*\"]\n");
        Assert.Equal(TimeSpan.FromHours(24), FastbandConfig.Load(state).OpsLog.DirectiveWindow);
    }

    [Fact]
    public void Anchors_and_aliases_in_backup_config_yaml_are_refused_with_the_file_and_line()
    {
        string state = Path.Combine(_dir, ".fastband");
        Directory.CreateDirectory(state);
        string file = Path.Combine(state, Fastband.Core.Backup.BackupConfig.FileName);
        const string expected = "YAML anchors and aliases are not supported in .fastband/backup_config.yaml (line 2): write the value out.";

        File.WriteAllText(file, "# backups\nexclude_patterns: &p [\"*.log\", *p]\n");
        Assert.Equal(expected, Assert.Throws<InvalidInputException>(() => Fastband.Core.Backup.BackupConfig.Load(_dir, state, _ => null)).Message);
        File.WriteAllText(file, BillionLaughs("exclude_patterns"));
        Assert.Equal(expected, Assert.Throws<InvalidInputException>(() => Fastband.Core.Backup.BackupConfig.Load(_dir, state, _ => null)).Message);
        File.WriteAllText(file, "exclude_patterns: [\"*.log\", \"&x\"]\n");
        Assert.Equal(new[] { "*.log", "&x" }, Fastband.Core.Backup.BackupConfig.Load(_dir, state, _ => null).ExcludePatterns);
    }
}
