using System.Globalization;
using System.Net;
using System.Text;

namespace Fastband.Core.Health;

/// <summary>
/// The health report as one self-contained HTML page (inline CSS, no scripts, no external assets), readable at a
/// glance: a coloured badge per finding (green healthy, amber late or worth a look, red dead or broken), the leader,
/// the agents' heartbeats and the recent errors. Everything that comes from data is HTML-escaped.
/// </summary>
public static class HealthDashboard
{
    /// <summary>The colours, also used by the tests that look at the rendered page.</summary>
    public const string HealthyColor = "#2e7d32";
    public const string LateColor = "#f9a825";
    public const string DeadColor = "#c62828";
    public const string NeutralColor = "#607d8b";

    public static string ColorOf(HealthState state) => state switch
    {
        HealthState.Healthy => HealthyColor,
        HealthState.Warning => LateColor,
        _ => DeadColor,
    };

    private static string WordOf(HealthFinding f) =>
        f.Details.TryGetValue("status", out var s) && s is string word ? word
        : f.State switch { HealthState.Healthy => "healthy", HealthState.Warning => "warning", _ => "unhealthy" };

    public static string Render(HealthReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>Fastband health: ").Append(E(Path.GetFileName(report.Project))).Append("</title>\n<style>\n");
        html.Append($$"""
            body { font-family: system-ui, sans-serif; margin: 24px; color: #212121; background: #fafafa; }
            h1 { font-size: 22px; margin: 0 0 4px 0; }
            h2 { font-size: 17px; margin: 24px 0 8px 0; }
            .meta { color: #616161; font-size: 13px; }
            .overall { display: inline-block; padding: 10px 22px; margin: 12px 0; color: #fff; font-size: 20px; font-weight: 600; border-radius: 6px; }
            table { border-collapse: collapse; width: 100%; background: #fff; }
            th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e0e0e0; font-size: 14px; vertical-align: top; }
            th { background: #eceff1; }
            .badge { display: inline-block; min-width: 84px; padding: 6px 10px; color: #fff; font-weight: 600; text-align: center; border-radius: 4px; }
            .healthy { background: {{HealthyColor}}; }
            .late, .warning, .none { background: {{LateColor}}; color: #212121; }
            .dead, .unhealthy { background: {{DeadColor}}; }
            .leader { padding: 12px 16px; background: #fff; border-left: 10px solid; }
            .errors li { margin: 4px 0; font-size: 14px; }
            .errors .when { color: #616161; }
            .empty { color: #616161; font-style: italic; }
            """);
        html.Append("\n</style>\n</head>\n<body>\n");
        html.Append("<h1>Fastband health</h1>\n<div class=\"meta\">").Append(E(report.Project)).Append(" &middot; checked ")
            .Append(E(TimeSpec.Display(report.CheckedAt))).Append(" UTC</div>\n");
        string overall = report.State switch { HealthState.Healthy => "healthy", HealthState.Warning => "warning", _ => "unhealthy" };
        html.Append($"<div class=\"overall {overall}\" id=\"overall\">").Append(E(report.Summary)).Append("</div>\n");

        var leader = report.Findings.FirstOrDefault(f => f.Check == "leader");
        if (leader is not null)
        {
            html.Append("<h2>Leader</h2>\n<div class=\"leader\" id=\"leader\" style=\"border-color: ").Append(ColorOf(leader.State)).Append("\">");
            html.Append($"<span class=\"badge {E(WordOf(leader))}\">").Append(E(WordOf(leader))).Append("</span> ");
            if (leader.Details.TryGetValue("term", out var term) && Convert.ToInt64(term, CultureInfo.InvariantCulture) > 0)
                html.Append("<strong>").Append(E(leader.Subject)).Append("</strong>, term ").Append(E(Convert.ToString(term, CultureInfo.InvariantCulture) ?? "")).Append(" &middot; ");
            html.Append(E(leader.Summary)).Append("</div>\n");
        }

        var beats = report.Findings.Where(f => f.Check == "heartbeats" && f.Subject != "-").ToList();
        html.Append("<h2>Heartbeats</h2>\n");
        if (beats.Count == 0) html.Append("<p class=\"empty\">No agent sends heartbeats.</p>\n");
        else
        {
            html.Append("<table id=\"heartbeats\">\n<tr><th>State</th><th>Agent</th><th>Role</th><th>Host</th><th>Last beat</th></tr>\n");
            foreach (var b in beats)
            {
                string word = WordOf(b);
                html.Append($"<tr><td><span class=\"badge {E(word)}\">{E(word)}</span></td><td>{E(b.Subject)}</td><td>{E(Detail(b, "role"))}</td>")
                    .Append($"<td>{E(Detail(b, "host"))}</td><td>{E(Age(b))} ago</td></tr>\n");
            }
            html.Append("</table>\n");
        }

        html.Append("<h2>Checks</h2>\n<table id=\"checks\">\n<tr><th>State</th><th>Check</th><th>Subject</th><th>Finding</th></tr>\n");
        foreach (var f in report.Findings)
        {
            string word = WordOf(f);
            html.Append($"<tr><td><span class=\"badge {E(word)}\">{E(word)}</span></td><td>{E(f.Check)}</td><td>{E(f.Subject)}</td><td>{E(f.Summary)}</td></tr>\n");
        }
        html.Append("</table>\n");

        html.Append("<h2>Recent errors</h2>\n");
        if (report.RecentErrors.Count == 0) html.Append("<p class=\"empty\">No recent errors.</p>\n");
        else
        {
            html.Append("<ul class=\"errors\" id=\"errors\">\n");
            foreach (var e in report.RecentErrors)
                html.Append("<li><span class=\"when\">").Append(E(TimeSpec.Display(e.Timestamp))).Append(" UTC</span> <strong>").Append(E(e.Actor))
                    .Append("</strong>: ").Append(E(e.Content)).Append("</li>\n");
            html.Append("</ul>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes the page atomically (temp file + rename), so a reader never sees half a page.</summary>
    public static void Write(HealthReport report, string path)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is null || !Directory.Exists(dir))
            throw new InvalidInputException("NoSuchFolder", $"The folder for '{path}' does not exist: create it or write the dashboard elsewhere.");
        string temp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, Render(report), new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }

    private static string Detail(HealthFinding f, string key) => f.Details.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture) ?? "" : "";

    private static string Age(HealthFinding f) =>
        f.Details.TryGetValue("ageSeconds", out var v) && v is not null ? TimeSpec.Humanize(TimeSpan.FromSeconds(Convert.ToDouble(v, CultureInfo.InvariantCulture))) : "?";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
