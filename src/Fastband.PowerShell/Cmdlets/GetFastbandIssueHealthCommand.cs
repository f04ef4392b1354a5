using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The issues' part of Get-FastbandHealth alone: statistics, stale claims, report freshness; State is the worst finding's.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandIssueHealth")]
[OutputType(typeof(IssueHealthReport))]
public sealed class GetFastbandIssueHealthCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) =>
        WriteObject(IssueHealthReport.Run(project.IssueHealth, project.Clock.GetUtcNow()));
}
