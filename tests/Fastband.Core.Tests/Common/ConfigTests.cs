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
}
