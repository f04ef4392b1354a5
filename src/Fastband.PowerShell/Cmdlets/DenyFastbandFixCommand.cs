using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Rejects a proposed fix with a reason.</summary>
/// <remarks>
/// <para>Marks the fix rejected with the reason, and its issue goes back to in_progress for its holder to try again.
/// Only a proposed fix can be rejected.</para>
/// </remarks>
/// <example>
/// <code>
/// Deny-FastbandFix -Id fix_002 -Reason 'breaks the footer' -Agent carol
/// </code>
/// <para>Rejects fix_002; its issue goes back to in progress.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Deny, "FastbandFix", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Fix))]
public sealed class DenyFastbandFixCommand : FastbandAgentCmdlet
{
    /// <summary>The fix to reject. Binds the Id or FixId property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.FixIdCompleter))]
    [Alias("FixId")]
    public string Id { get; set; } = "";

    /// <summary>Why the fix is rejected; recorded with the fix and in the audit trail.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, "Reject fix")) WriteObject(project.Issues.Reject(Id, Reason));
    }
}
