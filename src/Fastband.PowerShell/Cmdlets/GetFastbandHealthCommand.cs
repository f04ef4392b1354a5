using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Health;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the project's health.</summary>
/// <remarks>
/// <para>Runs every check and returns one HealthReport, the same object as 'fastband health --json': heartbeat age per
/// agent (healthy, late, dead), the leader and its term, recent error events, stale locks, the offline event queue, the
/// store (opens, schema version, quick check), undelivered alerts and the issues (stale claims, report freshness).
/// State is the worst finding's: dead heartbeats, a lapsed leader, a failed check or a damaged store are unhealthy;
/// late beats, no leader, recent errors and waiting alerts are warnings.</para>
/// <para>With -HtmlPath it also writes the dashboard: one self-contained HTML page (inline CSS, no scripts).</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandHealth
/// </code>
/// <para>The health report and its findings.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandHealth -HtmlPath .fastband/health.html | Select-Object State, Summary
/// </code>
/// <para>Writes the dashboard and shows the overall state.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandHealth")]
[OutputType(typeof(HealthReport))]
public sealed class GetFastbandHealthCommand : FastbandCmdlet
{
    /// <summary>Also write the HTML dashboard to this file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HtmlPath { get; set; }

    /// <summary>Core opens the project itself: a store too damaged to open is an unhealthy finding in the report, not an error.</summary>
    private protected override void Run()
    {
        string? path = HtmlPath is null ? null : GetUnresolvedProviderPathFromPSPath(HtmlPath);
        var report = ProjectHealth.Run(SessionOptions(), path, Opened);
        if (path is not null) WriteVerbose($"Dashboard written to {path}.");
        WriteObject(report);
    }

    protected override void Process(FastbandProject project) => WriteObject(project.Health.Run(HtmlPath is null ? null : GetUnresolvedProviderPathFromPSPath(HtmlPath)));
}
