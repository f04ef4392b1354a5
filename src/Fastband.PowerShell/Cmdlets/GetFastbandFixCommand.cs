using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Lists fixes, oldest proposal first, or one by id.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandFix", DefaultParameterSetName = "List")]
[OutputType(typeof(Fix))]
public sealed class GetFastbandFixCommand : FastbandCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Id")]
    [ArgumentCompleter(typeof(Completion.FixIdCompleter))]
    [Alias("FixId")]
    public string Id { get; set; } = "";

    [Parameter(ParameterSetName = "List", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    public string? IssueId { get; set; }

    [Parameter(ParameterSetName = "List")]
    [ValidateSet(FixStatus.Proposed, FixStatus.Applied, FixStatus.Rejected)]
    public string? Status { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ParameterSetName == "Id") WriteObject(project.Issues.GetFix(Id));
        else foreach (var fix in project.Issues.Fixes(IssueId, Status)) WriteObject(fix);
    }
}
