using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets fixes, oldest proposal first, or one by id.</summary>
/// <remarks>
/// <para>Lists the fixes, optionally only those of one issue or in one status, oldest proposal first. With -Id it
/// returns one fix.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandFix -Status proposed
/// </code>
/// <para>The fixes waiting for review.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandFix -IssueId issue_001
/// </code>
/// <para>Every fix proposed for issue_001.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandFix", DefaultParameterSetName = "List")]
[OutputType(typeof(Fix))]
public sealed class GetFastbandFixCommand : FastbandCmdlet
{
    /// <summary>The fix to get, e.g. fix_001.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Id")]
    [ArgumentCompleter(typeof(Completion.FixIdCompleter))]
    [Alias("FixId")]
    public string Id { get; set; } = "";

    /// <summary>Only the fixes of this issue. Binds the IssueId property of piped objects.</summary>
    [Parameter(ParameterSetName = "List", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    public string? IssueId { get; set; }

    /// <summary>Only fixes in this status: proposed, applied or rejected.</summary>
    [Parameter(ParameterSetName = "List")]
    [ValidateSet(FixStatus.Proposed, FixStatus.Applied, FixStatus.Rejected)]
    public string? Status { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ParameterSetName == "Id") WriteObject(project.Issues.GetFix(Id));
        else foreach (var fix in project.Issues.Fixes(IssueId, Status)) WriteObject(fix);
    }
}
