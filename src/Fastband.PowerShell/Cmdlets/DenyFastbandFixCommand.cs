using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Rejects a proposed fix with a reason; its issue goes back to in progress.</summary>
[Cmdlet(VerbsLifecycle.Deny, "FastbandFix", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Fix))]
public sealed class DenyFastbandFixCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.FixIdCompleter))]
    [Alias("FixId")]
    public string Id { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, "Reject fix")) WriteObject(project.Issues.Reject(Id, Reason));
    }
}
