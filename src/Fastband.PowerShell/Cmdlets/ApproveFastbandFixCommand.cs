using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Applies (approves) a proposed fix.</summary>
/// <remarks>
/// <para>Marks the proposed fix applied, adds the caller to its verifiers, and resolves its issue; the issues it
/// blocked lose one open blocker and become ready at zero. Only a proposed fix of an unresolved issue can be applied
/// (otherwise it is refused). Takes Get-FastbandFix's objects from the pipeline.</para>
/// </remarks>
/// <example>
/// <code>
/// Approve-FastbandFix -Id fix_001 -Agent carol
/// </code>
/// <para>carol applies fix_001; its issue is resolved.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandFix -Status proposed | Approve-FastbandFix -Agent carol
/// </code>
/// <para>Applies every proposed fix.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Approve, "FastbandFix", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Fix))]
public sealed class ApproveFastbandFixCommand : FastbandAgentCmdlet
{
    /// <summary>The fix to apply, e.g. fix_001. It can come from the pipeline (an id, or a fix's Id).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.FixIdCompleter))]
    [Alias("FixId")]
    public string Id { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, "Apply fix")) WriteObject(project.Issues.Apply(Id));
    }
}
