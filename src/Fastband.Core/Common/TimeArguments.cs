namespace Fastband.Core;

/// <summary>
/// A point in time as users give it: a duration back from now ("30m", "1h", "2d"), a timestamp string,
/// a DateTime or a DateTimeOffset. PowerShell binds <c>-Since 1h</c> and <c>-Since (Get-Date).AddHours(-1)</c>
/// through these constructors; the CLI uses the string one.
/// </summary>
public sealed class PointInTime
{
    private readonly TimeSpan? _ago;
    private readonly DateTimeOffset? _at;

    public PointInTime(string text)
    {
        if (TimeSpec.TryParseDuration(text, out var ago)) _ago = ago;
        else _at = TimeSpec.ParsePointInTime(text, DateTimeOffset.UtcNow, "point in time");
        Text = text;
    }

    public PointInTime(DateTime at)
    {
        _at = at.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(at, TimeSpan.Zero) : new DateTimeOffset(at.ToUniversalTime());
        Text = _at.Value.ToString("O");
    }

    public PointInTime(DateTimeOffset at)
    {
        _at = at.ToUniversalTime();
        Text = at.ToString("O");
    }

    /// <summary>PowerShell reads an unquoted <c>2d</c> as the decimal 2: refuse it rather than guess the unit.</summary>
    public PointInTime(decimal unquoted) => throw TimeArgument.Unquoted(unquoted, 'd');

    /// <summary>PowerShell reads an unquoted <c>30s</c> as the short 30.</summary>
    public PointInTime(short unquoted) => throw TimeArgument.Unquoted(unquoted, 's');

    public PointInTime(TimeSpan ago)
    {
        _ago = ago.Duration();
        Text = ago.ToString();
    }

    public string Text { get; }

    public DateTimeOffset Resolve(DateTimeOffset now) => _at ?? now - _ago!.Value;

    public override string ToString() => Text;
}

/// <summary>A duration as users give it: "30s", "15m", "1h", "2d", a TimeSpan, or a number of seconds.</summary>
public sealed class DurationValue
{
    public DurationValue(string text)
    {
        Value = TimeSpec.ParseDuration(text, "duration");
    }

    public DurationValue(TimeSpan value)
    {
        Value = value.Duration();
    }

    /// <summary>PowerShell reads an unquoted <c>2d</c> as the decimal 2: refuse it rather than guess the unit.</summary>
    public DurationValue(decimal unquoted) => throw TimeArgument.Unquoted(unquoted, 'd');

    /// <summary>PowerShell reads an unquoted <c>30s</c> as the short 30.</summary>
    public DurationValue(short unquoted) => throw TimeArgument.Unquoted(unquoted, 's');

    public DurationValue(int seconds)
    {
        Value = TimeSpan.FromSeconds(Math.Abs(seconds));
    }

    public TimeSpan Value { get; }

    public override string ToString() => Value.ToString();
}

internal static class TimeArgument
{
    public static InvalidInputException Unquoted(object number, char suffix) =>
        new("UnquotedDuration",
            $"PowerShell read {number}{suffix} as the number {number} ('{suffix}' is a number suffix there), losing the unit: quote it, as in -Since '{number}{suffix}'.");
}
