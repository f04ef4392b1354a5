using System.Text;
using System.Text.Json;

namespace Fastband.Core.Events;

/// <summary>
/// events.error.log, beside communication.md: the lines an import or a replay of the offline queue could not read,
/// one JSON line each, kept so that nothing given to Fastband is silently dropped.
/// </summary>
internal sealed class EventErrorLog(string directory, TimeProvider clock)
{
    public const string FileName = "events.error.log";

    public string Path => System.IO.Path.Combine(directory, FileName);

    /// <summary>
    /// Appends one JSON line per bad line to events.error.log: the file, line number, reason, and the line (as
    /// text, or base64 when it is not UTF-8). A line already logged (same file, number and bytes) is skipped.
    /// </summary>
    public (string Path, int Added) Append(string source, IReadOnlyList<(int Line, byte[] Raw, string Reason)> lines)
    {
        Directory.CreateDirectory(directory);
        string path = Path;
        var logged = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            foreach (string l in File.ReadLines(path))
            {
                try
                {
                    using var doc = JsonDocument.Parse(l);
                    var r = doc.RootElement;
                    logged.Add($"{r.GetProperty("file").GetString()}\n{r.GetProperty("line").GetInt32()}\n{r.GetProperty("hash").GetString()}");
                }
                catch (Exception x) when (x is JsonException or KeyNotFoundException or InvalidOperationException) { /* a hand-edited line */ }
            }
        }
        var sb = new StringBuilder();
        int added = 0;
        foreach (var (line, raw, reason) in lines)
        {
            string hash = SeedEventLog.LineHash(raw);
            if (!logged.Add($"{source}\n{line}\n{hash}")) continue;
            string? text = null;
            try { text = new UTF8Encoding(false, true).GetString(raw); } catch (DecoderFallbackException) { }
            sb.Append(FastbandJson.Serialize(new ErrorLogLine(source, line, reason, text, text is null ? Convert.ToBase64String(raw) : null, hash,
                TimeSpec.Display(clock.GetUtcNow())), indented: false)).Append('\n');
            added++;
        }
        if (added > 0)
        {
            using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            f.Write(Encoding.UTF8.GetBytes(sb.ToString()));
            f.Flush(flushToDisk: true);
        }
        return (path, added);
    }

    internal sealed record ErrorLogLine(string File, int Line, string Reason, string? Text, string? Base64, string Hash, string LoggedAt);
}
