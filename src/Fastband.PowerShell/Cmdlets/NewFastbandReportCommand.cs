using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Writes the markdown reports and generation_metadata.json under reports/; the same data always gives the same bytes.</summary>
[Cmdlet(VerbsCommon.New, "FastbandReport", SupportsShouldProcess = true)]
[OutputType(typeof(ReportResult))]
public sealed class NewFastbandReportCommand : FastbandCmdlet
{
    /// <summary>The folder to write to; default reports/ in the project (or issues.reportsDirectory).</summary>
    [Parameter(Position = 0)]
    public string? OutputPath { get; set; }

    protected override void Process(FastbandProject project)
    {
        string? folder = OutputPath is null ? null : GetUnresolvedProviderPathFromPSPath(OutputPath);
        if (ShouldProcess(project.Issues.ReportsDirectory(folder), "Write reports")) WriteObject(project.Issues.WriteReports(folder));
    }
}
