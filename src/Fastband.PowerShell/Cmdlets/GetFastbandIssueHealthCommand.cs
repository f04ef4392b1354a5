using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the issues' part of Get-FastbandHealth alone.</summary>
/// <remarks>
/// <para>Returns the issue statistics, every claim whose holder was last seen longer ago than issues.staleClaimAfter
/// (unhealthy), and whether the reports are missing or older than a change by more than issues.reportStaleAfter (a
/// warning). State is the worst finding's.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandIssueHealth
/// </code>
/// <para>The issue statistics and any stale claims.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandIssueHealth).Findings | Where-Object State -ne 'healthy'
/// </code>
/// <para>Only the findings that need attention.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandIssueHealth")]
[OutputType(typeof(IssueHealthReport))]
public sealed class GetFastbandIssueHealthCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) =>
        WriteObject(IssueHealthReport.Run(project.IssueHealth, project.Clock.GetUtcNow()));
}
