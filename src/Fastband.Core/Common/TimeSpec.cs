using System.Globalization;

namespace Fastband.Core;

/// <summary>
/// Parses the durations and points in time users type: <c>30s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c>,
/// or an ISO 8601 timestamp (a timestamp without an offset is taken as UTC).
/// </summary>
public static class TimeSpec
{
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        string s = text.Trim().ToLowerInvariant();
        int split = 0;
        while (split < s.Length && (char.IsAsciiDigit(s[split]) || s[split] == '.')) split++;
        if (split == 0 || !double.TryParse(s[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
            return false;
        double? ms = s[split..] switch
        {
            "ms" => n,
            "" or "s" => n * 1000,
            "m" => n * 60_000,
            "h" => n * 3_600_000,
            "d" => n * 86_400_000,
            "w" => n * 7 * 86_400_000,
            _ => null,
        };
        if (ms is null || ms > TimeSpan.MaxValue.TotalMilliseconds) return false;
        duration = TimeSpan.FromMilliseconds(ms.Value);
        return true;
    }

    public static TimeSpan ParseDuration(string text, string what)
    {
        if (TryParseDuration(text, out var d)) return d;
        throw new InvalidInputException("InvalidDuration",
            $"'{text}' is not a valid {what}: use a number with a unit, such as 30s, 15m, 1h or 2d.");
    }

    /// <summary>Turns "1h" into now minus one hour, or a timestamp into itself.</summary>
    public static DateTimeOffset ParsePointInTime(string text, DateTimeOffset now, string what)
    {
        if (TryParseDuration(text, out var ago)) return now - ago;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at;
        throw new InvalidInputException("InvalidTime",
            $"'{text}' is not a valid {what}: give a duration back from now (30m, 1h, 2d) or a timestamp such as 2026-11-21T14:30:00Z.");
    }

    /// <summary>
    /// <c>yyyy-MM-dd HH:mm:ss</c> in UTC with the invariant culture: a pwsh session in th-TH or fa-IR
    /// would otherwise print another calendar's year or other separators in what agents parse.
    /// </summary>
    public static string Display(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Short human form of a duration: 45s, 12m, 3h, 2d.</summary>
    public static string Humanize(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalSeconds < 60) return $"{(int)span.TotalSeconds}s";
        if (span.TotalMinutes < 60) return $"{(int)span.TotalMinutes}m";
        if (span.TotalHours < 48) return $"{(int)span.TotalHours}h";
        return $"{(int)span.TotalDays}d";
    }
}
