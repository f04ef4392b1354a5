using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Tests whether the caller leads in a term.</summary>
/// <remarks>
/// <para>The guard a leader action runs first: returns a LeaderCheck whose Valid is $true only when the caller is the
/// live leader of that term, with the current term and leader otherwise. With -Assert a stale term is an error
/// (Fastband.StaleTerm) and is recorded as an error event, as 'fastband leader check' does.</para>
/// </remarks>
/// <example>
/// <code>
/// if ((Test-FastbandLeader -Term $term -Agent orch).Valid) { ./dispatch-next-task.ps1 }
/// </code>
/// <para>Dispatches work only while orch still leads its term.</para>
/// </example>
/// <example>
/// <code>
/// Test-FastbandLeader -Term $term -Assert -Agent orch -ErrorAction Stop
/// </code>
/// <para>Stops the script when the term is stale.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "FastbandLeader")]
[OutputType(typeof(LeaderCheck))]
public sealed class TestFastbandLeaderCommand : FastbandAgentCmdlet
{
    /// <summary>The term you believe you lead. Binds the Term property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, long.MaxValue)]
    public long Term { get; set; }

    /// <summary>Make a stale term an error (Fastband.StaleTerm) and record it as an error event.</summary>
    [Parameter]
    public SwitchParameter Assert { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) =>
        WriteObject(Assert ? project.Leader.AssertLeader(Term) : project.Leader.Check(Term));
}
