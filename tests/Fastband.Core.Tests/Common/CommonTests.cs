using Xunit;

namespace Fastband.Core.Tests.Common;

public sealed class TimeSpecTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    [InlineData("1w", 604800)]
    [InlineData("1.5h", 5400)]
    [InlineData("250ms", 0.25)]
    [InlineData("45", 45)]
    [InlineData(" 2H ", 7200)]
    public void Durations_parse(string text, double seconds)
    {
        Assert.True(TimeSpec.TryParseDuration(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1x")]
    [InlineData("h")]
    [InlineData("-5m")]
    [InlineData("5 m")]
    [InlineData("99999999999999d")]
    public void Nonsense_is_not_a_duration(string text)
    {
        Assert.False(TimeSpec.TryParseDuration(text, out _));
        Assert.Equal("InvalidDuration", Assert.Throws<InvalidInputException>(() => TimeSpec.ParseDuration(text, "--timeout")).ErrorId);
    }

    [Fact]
    public void Points_in_time_are_durations_back_from_now_or_timestamps()
    {
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(now.AddHours(-1), TimeSpec.ParsePointInTime("1h", now, "--since"));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero), TimeSpec.ParsePointInTime("2026-11-20T08:00:00Z", now, "--since"));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero), TimeSpec.ParsePointInTime("2026-11-20 08:00:00", now, "--since")); // no offset: UTC
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 6, 0, 0, TimeSpan.Zero), TimeSpec.ParsePointInTime("2026-11-20T08:00:00+02:00", now, "--since"));
        var e = Assert.Throws<InvalidInputException>(() => TimeSpec.ParsePointInTime("yesterday-ish", now, "--since"));
        Assert.Contains("--since", e.Message);
    }

    [Fact]
    public void PointInTime_accepts_the_shapes_PowerShell_binds()
    {
        var now = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(now.AddMinutes(-30), new PointInTime("30m").Resolve(now));
        Assert.Equal(now.AddMinutes(-30), new PointInTime(TimeSpan.FromMinutes(30)).Resolve(now));
        Assert.Equal(now.AddHours(-2), new PointInTime(now.AddHours(-2)).Resolve(now));
        Assert.Equal(now.AddHours(-2), new PointInTime(new DateTime(2026, 11, 21, 10, 0, 0, DateTimeKind.Utc)).Resolve(now));
        Assert.Equal(TimeSpan.FromMinutes(10), new DurationValue("10m").Value);
        Assert.Equal(TimeSpan.FromSeconds(90), new DurationValue(90).Value);
        Assert.Throws<InvalidInputException>(() => new DurationValue("soon"));
    }

    [Fact]
    public void Unquoted_PowerShell_durations_that_lost_their_unit_are_refused_with_the_fix()
    {
        // In PowerShell, -Since 2d binds the decimal 2 and -Timeout 30s the short 30.
        var e = Assert.Throws<InvalidInputException>(() => new PointInTime(2m));
        Assert.Equal("UnquotedDuration", e.ErrorId);
        Assert.Contains("'2d'", e.Message);
        Assert.Contains("'30s'", Assert.Throws<InvalidInputException>(() => new DurationValue((short)30)).Message);
        Assert.Contains("'2d'", Assert.Throws<InvalidInputException>(() => new DurationValue(2m)).Message);
        Assert.Contains("'15s'", Assert.Throws<InvalidInputException>(() => new PointInTime((short)15)).Message);
    }
}

public sealed class IdentityAndProjectTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void The_agent_name_comes_from_the_flag_then_FASTBAND_AGENT_then_AGENT_ID()
    {
        var env = Env(("FASTBAND_AGENT", "from_env"), ("AGENT_ID", "from_agent_id"));
        Assert.Equal("flag", CallerIdentity.Resolve("flag", env).Agent);
        Assert.Equal("from_env", CallerIdentity.Resolve(null, env).Agent);
        Assert.Equal("from_agent_id", CallerIdentity.Resolve(null, Env(("AGENT_ID", "from_agent_id"))).Agent);
        var unknown = CallerIdentity.Resolve(null, Env());
        Assert.Equal(CallerIdentity.UnknownAgent, unknown.Agent);
        Assert.True(unknown.IsDefaulted);
        Assert.False(CallerIdentity.Resolve("x", Env()).IsDefaulted);
        Assert.Equal(Environment.ProcessId, unknown.ProcessId);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("../escape")]
    public void Unusable_agent_names_are_refused(string name)
    {
        Assert.Equal("InvalidAgentName", Assert.Throws<InvalidInputException>(() => CallerIdentity.Resolve(name, Env())).ErrorId);
    }

    [Fact]
    public void The_project_is_the_flag_then_FASTBAND_PROJECT_then_the_nearest_folder_with_fastband_then_cwd()
    {
        string nested = Path.Combine(_dir.Root, "src", "deep");
        Directory.CreateDirectory(nested);
        Assert.Equal(nested, ProjectLocator.Resolve(null, nested, Env()));

        Directory.CreateDirectory(_dir.StateDir);
        Assert.Equal(_dir.Root, ProjectLocator.Resolve(null, nested, Env()));

        string other = Path.Combine(_dir.Root, "other");
        Directory.CreateDirectory(other);
        Assert.Equal(other, ProjectLocator.Resolve(null, nested, Env(("FASTBAND_PROJECT", other))));
        Assert.Equal(nested, ProjectLocator.Resolve("src/deep", _dir.Root, Env(("FASTBAND_PROJECT", other))));
        Assert.Equal("ProjectNotFound", Assert.Throws<NotFoundException>(() => ProjectLocator.Resolve("missing", _dir.Root, Env())).ErrorId);
    }
}

public sealed class CultureTests
{
    [Theory]
    [InlineData("th-TH")]
    [InlineData("fa-IR")]
    [InlineData("fi-FI")]
    [InlineData("ar-SA")]
    public void The_display_form_is_the_same_in_every_culture(string culture)
    {
        // The test host runs with full globalization (unlike the CLI), as pwsh does.
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo(culture);
            var at = new DateTimeOffset(2026, 11, 21, 14, 30, 5, TimeSpan.Zero);
            Assert.Equal("[a][2026-11-21 14:30:05] [#7] m", Fastband.Core.OpsLog.OpsLogEntry.Format("a", at, "7", "m"));
            Assert.Equal("2026-11-21 14:30:05", TimeSpec.Display(at));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }
}
