using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Claims an issue (Lock: secure it for yourself). Exactly one of any number of racing agents wins and gets a
/// claim token; refused (Fastband.IssueUnavailable, naming the holder) when it is not available, and
/// (Fastband.HoldInForce) while a hold covers the caller. Takes Get-FastbandIssue's objects from the pipeline.
/// </summary>
[Cmdlet(VerbsCommon.Lock, "FastbandIssue", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Issue))]
public sealed class LockFastbandIssueCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    [Alias("IssueId")]
    public string Id { get; set; } = "";

    /// <summary>Also take over a claim whose holder has not been seen for issues.staleClaimAfter (audited).</summary>
    [Parameter]
    public SwitchParameter TakeStale { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, TakeStale ? "Claim issue, taking over a stale claim" : "Claim issue")) WriteObject(project.Issues.Claim(Id, TakeStale));
    }
}
