using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Health;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// The project's health: heartbeats, the leader, recent errors, stale locks, the offline queue, the store; the same
/// object as 'fastband health --json'. With -HtmlPath the dashboard page is written too.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FastbandHealth")]
[OutputType(typeof(HealthReport))]
public sealed class GetFastbandHealthCommand : FastbandCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HtmlPath { get; set; }

    protected override void Process(FastbandProject project)
    {
        string? path = HtmlPath is null ? null : GetUnresolvedProviderPathFromPSPath(HtmlPath);
        var report = project.Health.Run(path);
        if (path is not null) WriteVerbose($"Dashboard written to {path}.");
        WriteObject(report);
    }
}
