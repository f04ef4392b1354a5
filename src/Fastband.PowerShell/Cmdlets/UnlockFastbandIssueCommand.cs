using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Releases a claim on an issue.</summary>
/// <remarks>
/// <para>Releases the caller's claim: the issue goes back to new and can be claimed again. Only the holder may release,
/// unless -Force with -Reason releases another agent's claim (audited). With -ClaimToken the release is refused if the
/// claim is no longer the one that got that token. A claimed issue piped in binds both the id and its
/// ClaimToken.</para>
/// </remarks>
/// <example>
/// <code>
/// $claim | Unlock-FastbandIssue -Agent bob
/// </code>
/// <para>Releases the claim taken earlier, only if it is still that claim.</para>
/// </example>
/// <example>
/// <code>
/// Unlock-FastbandIssue issue_007 -Force -Reason 'bob left the team' -Agent carol
/// </code>
/// <para>Releases another agent's claim; the audit trail records why.</para>
/// </example>
[Cmdlet(VerbsCommon.Unlock, "FastbandIssue", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Issue))]
public sealed class UnlockFastbandIssueCommand : FastbandAgentCmdlet
{
    /// <summary>The issue to release. It can come from the pipeline (an id, or an issue's Id).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    [Alias("IssueId")]
    public string Id { get; set; } = "";

    /// <summary>Release another agent's claim; needs -Reason.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Why another agent's claim is released (with -Force); recorded in the audit trail.</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>Release only if the claim is still the one that got this token. Binds the ClaimToken property of piped
    /// issues (Lock-FastbandIssue's output).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public long? ClaimToken { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, Force ? "Force-release another agent's claim" : "Release claim"))
            WriteObject(project.Issues.Release(Id, Force, Reason, ClaimToken));
    }
}
