using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Whether the caller leads in a term: the guard a leader action runs first. Returns the check (Valid true or false);
/// with -Assert a stale term is an error (Fastband.StaleTerm) and is recorded as an error event, as 'fastband leader check' does.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FastbandLeader")]
[OutputType(typeof(LeaderCheck))]
public sealed class TestFastbandLeaderCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, long.MaxValue)]
    public long Term { get; set; }

    [Parameter]
    public SwitchParameter Assert { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) =>
        WriteObject(Assert ? project.Leader.AssertLeader(Term) : project.Leader.Check(Term));
}
