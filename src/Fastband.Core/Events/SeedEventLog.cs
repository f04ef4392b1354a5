using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Fastband.Core.Events;

/// <summary>
/// The seed's events.log: JSON Lines, one object per line with interaction (a number), actor, type, content and
/// timestamp (ISO 8601 UTC, seconds), in that order, as <c>jq -c</c> writes them. Parsing is strict per line so
/// that one bad line costs only itself.
/// </summary>
internal static class SeedEventLog
{
    public const int MaxActorLength = 200;
    public const int MaxContentLength = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One line of the file: the event it holds, or why it holds none.</summary>
    public sealed record ParsedLine(int Number, byte[] Raw, NewEvent? Event, string? Reason);

    /// <summary>Splits the file into lines (a final newline does not start another line) and parses each.</summary>
    public static IEnumerable<ParsedLine> Parse(byte[] content)
    {
        int start = 0, number = 0;
        while (start < content.Length)
        {
            int end = Array.IndexOf(content, (byte)'\n', start);
            int next = end < 0 ? content.Length : end + 1;
            if (end < 0) end = content.Length;
            int length = end - start;
            if (length > 0 && content[end - 1] == '\r') length--;
            number++;
            var raw = content.AsSpan(start, length).ToArray();
            var (e, reason) = ParseLine(raw);
            yield return new ParsedLine(number, raw, e, reason);
            start = next;
        }
    }

    private static (NewEvent?, string?) ParseLine(byte[] raw)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException e)
        {
            return (null, $"not valid UTF-8 (byte {e.Index + 1} of the line)");
        }
        if (string.IsNullOrWhiteSpace(text)) return (null, "empty line");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(raw);
        }
        catch (JsonException e)
        {
            bool truncated = e.BytePositionInLine is { } at && at >= raw.Length - 1 || e.Message.Contains("end of the JSON", StringComparison.OrdinalIgnoreCase)
                             || e.Message.Contains("Expected depth to be zero", StringComparison.Ordinal);
            return (null, truncated ? "truncated JSON: the line ends before the object does" : $"not valid JSON at byte {e.BytePositionInLine + 1}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, $"a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            if (!root.TryGetProperty("interaction", out var i)) return (null, "no 'interaction' field");
            if (i.ValueKind != JsonValueKind.Number || !i.TryGetInt64(out long interaction) || interaction < 1)
                return (null, $"'interaction' must be a whole number from 1 up, not {Describe(i)}");
            if (!Text(root, "actor", out string actor, out string? why)) return (null, why);
            if (actor.Trim().Length == 0 || actor.Length > MaxActorLength || actor.Any(char.IsControl))
                return (null, $"'actor' must be 1 to {MaxActorLength} characters without control characters");
            if (!Text(root, "type", out string typeText, out why)) return (null, why);
            if (!EventType.TryNormalize(typeText, out string type)) return (null, $"'type' \"{typeText}\" is not an event type name (letters, digits and '_', starting with a letter)");
            if (!Text(root, "content", out string content, out why)) return (null, why);
            if (content.Length > MaxContentLength) return (null, $"'content' is longer than {MaxContentLength} characters");
            if (!Text(root, "timestamp", out string ts, out why)) return (null, why);
            if (!TryParseTime(ts, out var at)) return (null, $"'timestamp' \"{ts}\" is not an ISO 8601 time with a zone, such as 2026-11-21T07:23:49Z");
            return (new NewEvent(InteractionChoice.Number, interaction, actor.Trim(), type, content) { Timestamp = at }, null);
        }
    }

    private static bool Text(JsonElement root, string name, out string value, out string? why)
    {
        value = "";
        why = null;
        if (!root.TryGetProperty(name, out var p)) { why = $"no '{name}' field"; return false; }
        if (p.ValueKind != JsonValueKind.String) { why = $"'{name}' must be a string, not {Describe(p)}"; return false; }
        value = p.GetString()!;
        return true;
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Shorten(e.GetString()!)}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => $"{e.GetRawText()}",
        _ => $"an {e.ValueKind.ToString().ToLowerInvariant()}",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";

    /// <summary>ISO 8601 with 'Z' or an offset; a time without a zone is refused (it would be a guess).</summary>
    public static bool TryParseTime(string text, out DateTimeOffset at)
    {
        at = default;
        string t = text.Trim();
        bool zoned = t.EndsWith('Z') || t.EndsWith('z') || (t.Length > 6 && (t[^6] is '+' or '-') && t[^3] == ':');
        return zoned && t.Contains('T') &&
               DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out at);
    }

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>Writes events as the seed's lines, in the order given.</summary>
    public static int Write(Stream output, IEnumerable<InteractionEvent> events)
    {
        int n = 0;
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        foreach (var e in events)
        {
            writer.Reset();
            writer.WriteStartObject();
            writer.WriteNumber("interaction", e.Interaction);
            writer.WriteString("actor", e.Actor);
            writer.WriteString("type", e.Type);
            writer.WriteString("content", e.Content);
            writer.WriteString("timestamp", EventFingerprint.SeedTime(e.Timestamp));
            writer.WriteEndObject();
            writer.Flush();
            output.WriteByte((byte)'\n');
            n++;
        }
        return n;
    }

    /// <summary>A short hash of a raw line, so that a line already in the error log is not added twice.</summary>
    public static string LineHash(byte[] raw) => Convert.ToHexString(SHA256.HashData(raw), 0, 8);
}
