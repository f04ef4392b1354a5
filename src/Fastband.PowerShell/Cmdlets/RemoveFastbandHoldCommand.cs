using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Lifts the holds in force, or one hold by id.</summary>
/// <remarks>
/// <para>Writes a lift directive to the Agent Ops Log as the caller. Without -HoldId it ends every hold posted before
/// it; with -HoldId only that one. Holds can be piped in from (Get-FastbandDirective).ActiveHolds, whose Id binds to
/// -HoldId.</para>
/// </remarks>
/// <example>
/// <code>
/// Remove-FastbandHold 'Migration finished' -Agent ops
/// </code>
/// <para>Lifts every hold in force.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandDirective).ActiveHolds | Where-Object IssuedBy -eq 'ops' | Remove-FastbandHold -Reason 'Done' -Agent ops
/// </code>
/// <para>Lifts only the holds that the agent ops posted, one lift each.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "FastbandHold", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Directive))]
public sealed class RemoveFastbandHoldCommand : FastbandAgentCmdlet
{
    /// <summary>Why the hold is lifted (optional).</summary>
    [Parameter(Position = 0)]
    public string? Reason { get; set; }

    /// <summary>The id of the one hold to lift (the Id of a hold in (Get-FastbandDirective).ActiveHolds). Default:
    /// every hold in force.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public long? HoldId { get; set; }

    protected override void Process(FastbandProject project)
    {
        string target = HoldId is null ? "every hold in force" : $"hold {HoldId}";
        if (ShouldProcess(target, "Lift")) WriteObject(project.Directives.Lift(Reason, HoldId));
    }
}
