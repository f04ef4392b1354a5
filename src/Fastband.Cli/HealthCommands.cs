using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.Health;

namespace Fastband.Cli;

/// <summary><c>fastband health</c> and <c>fastband alerts flush|list</c>.</summary>
internal static class HealthCommands
{
    /// <summary>Exit code of <c>fastband health</c> when a finding is unhealthy.</summary>
    public const int UnhealthyExitCode = ExitCodes.Failed;

    public static Command Health()
    {
        var html = new Option<string?>("--html") { Description = "Also write the dashboard, a self-contained HTML page, to this file." };
        var cmd = new Command("health", "Heartbeats, the leader, recent errors, stale locks, the offline queue and the store: exit 1 when something is unhealthy.") { html };
        cmd.SetAction(p => Run.WithOptions(p, options =>
        {
            string? file = p.GetValue(html) is { } given ? Path.GetFullPath(given) : null;
            var report = ProjectHealth.Run(options, file);
            var text = new StringBuilder(report.Summary);
            foreach (var f in report.Findings)
                text.Append(Environment.NewLine).Append($"  [{Word(f),-9}] {f.Check,-12} {f.Summary}");
            if (file is not null) text.Append(Environment.NewLine).Append($"Dashboard written to {file}.");
            return Outcome.Of(report, text.ToString(), report.State == HealthState.Unhealthy ? UnhealthyExitCode : ExitCodes.Ok);
        }));
        return cmd;
    }

    private static string Word(HealthFinding f) =>
        f.Details.TryGetValue("status", out var s) && s is string w ? w : f.State.ToString().ToLowerInvariant();

    public static Command Alerts()
    {
        var alerts = new Command("alerts", "Webhook alerts for error events (alerts.webhooks in .fastband/config.yaml or FASTBAND_ALERT_WEBHOOKS).");
        var flush = new Command("flush", "Deliver the alerts waiting in the outbox now; exit 1 if some still could not be delivered.");
        flush.SetAction(p => Run.With(p, project =>
        {
            var r = project.Alerts.Flush();
            return Outcome.Of(r, r.Message, r.Pending.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed);
        }));
        var list = new Command("list", "The alerts waiting in the outbox, oldest first.");
        list.SetAction(p => Run.With(p, project =>
        {
            var pending = project.Alerts.Pending();
            return Outcome.Of(pending, pending.Count == 0 ? "No alerts waiting." : string.Join(Environment.NewLine, pending));
        }));
        alerts.Subcommands.Add(flush);
        alerts.Subcommands.Add(list);
        return alerts;
    }
}
