using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Claims an issue.</summary>
/// <remarks>
/// <para>Claims the issue for the caller (Lock: secure it for yourself) in one conditional update: exactly one of any
/// number of racing agents wins and gets a claim token, strictly increasing. It is refused (Fastband.IssueUnavailable,
/// naming the holder) when the issue is taken, blocked or resolved, and (Fastband.HoldInForce) while a hold covers the
/// caller, unless a clearance for the issue id lets it through. Claiming your own claim again returns it
/// unchanged.</para>
/// <para>The claim token works as a fencing token: pass the claimed issue on to Submit-FastbandFix -ClaimToken or
/// Unlock-FastbandIssue, and the call is refused if the claim changed hands since. Takes Get-FastbandIssue's objects
/// from the pipeline.</para>
/// </remarks>
/// <example>
/// <code>
/// $claim = Lock-FastbandIssue -Id issue_001 -Agent bob
/// </code>
/// <para>Claims issue_001 for bob; $claim.ClaimToken is the claim token.</para>
/// </example>
/// <example>
/// <code>
/// Lock-FastbandIssue issue_007 -TakeStale -Agent carol
/// </code>
/// <para>Takes over issue_007 if its holder has been silent for longer than staleClaimAfter.</para>
/// </example>
[Cmdlet(VerbsCommon.Lock, "FastbandIssue", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Issue))]
public sealed class LockFastbandIssueCommand : FastbandAgentCmdlet
{
    /// <summary>The issue to claim. It can come from the pipeline (an id, or an issue's Id).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    [Alias("IssueId")]
    public string Id { get; set; } = "";

    /// <summary>Also take over a claim whose holder has not been seen for issues.staleClaimAfter (2h by default);
    /// audited, with a new token.</summary>
    [Parameter]
    public SwitchParameter TakeStale { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, TakeStale ? "Claim issue, taking over a stale claim" : "Claim issue")) WriteObject(project.Issues.Claim(Id, TakeStale));
    }
}
