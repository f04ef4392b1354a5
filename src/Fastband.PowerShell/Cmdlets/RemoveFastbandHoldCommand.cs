using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Lifts the holds in force, or one hold by id (pipe in from (Get-FastbandDirective).ActiveHolds).</summary>
[Cmdlet(VerbsCommon.Remove, "FastbandHold", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Directive))]
public sealed class RemoveFastbandHoldCommand : FastbandAgentCmdlet
{
    [Parameter(Position = 0)]
    public string? Reason { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public long? HoldId { get; set; }

    protected override void Process(FastbandProject project)
    {
        string target = HoldId is null ? "every hold in force" : $"hold {HoldId}";
        if (ShouldProcess(target, "Lift")) WriteObject(project.Directives.Lift(Reason, HoldId));
    }
}
