using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Writes the issue reports.</summary>
/// <remarks>
/// <para>Writes OPEN_ISSUES_REPORT.md, FIXES_APPLIED_REPORT.md, AGENT_ACTIVITY_REPORT.md and generation_metadata.json
/// to reports/ in the project (or issues.reportsDirectory). The reports hold no wall-clock time: each says "data as of"
/// the newest audit entry, so the same data always gives the same bytes and a re-run without changes rewrites
/// nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// New-FastbandReport
/// </code>
/// <para>Writes the reports to reports/.</para>
/// </example>
/// <example>
/// <code>
/// New-FastbandReport -OutputPath ./site/reports
/// </code>
/// <para>Writes them to another folder.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "FastbandReport", SupportsShouldProcess = true)]
[OutputType(typeof(ReportResult))]
public sealed class NewFastbandReportCommand : FastbandCmdlet
{
    /// <summary>The folder to write to. Default: reports/ in the project (or issues.reportsDirectory).</summary>
    [Parameter(Position = 0)]
    public string? OutputPath { get; set; }

    protected override void Process(FastbandProject project)
    {
        string? folder = OutputPath is null ? null : GetUnresolvedProviderPathFromPSPath(OutputPath);
        if (ShouldProcess(project.Issues.ReportsDirectory(folder), "Write reports")) WriteObject(project.Issues.WriteReports(folder));
    }
}
