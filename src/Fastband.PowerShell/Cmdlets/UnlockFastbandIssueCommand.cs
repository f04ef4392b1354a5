using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Releases the caller's claim on an issue; -Force with -Reason releases another agent's claim (audited).</summary>
[Cmdlet(VerbsCommon.Unlock, "FastbandIssue", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Issue))]
public sealed class UnlockFastbandIssueCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    [Alias("IssueId")]
    public string Id { get; set; } = "";

    /// <summary>Release another agent's claim; needs -Reason.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public string? Reason { get; set; }

    /// <summary>Release only if the claim is still the one that got this token (bound from Lock-FastbandIssue's output).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public long? ClaimToken { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, Force ? "Force-release another agent's claim" : "Release claim"))
            WriteObject(project.Issues.Release(Id, Force, Reason, ClaimToken));
    }
}
