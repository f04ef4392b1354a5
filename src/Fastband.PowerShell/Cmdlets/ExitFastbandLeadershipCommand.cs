using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Resigns leadership at once.</summary>
/// <remarks>
/// <para>Ends the caller's term and releases the leader lease, so the next campaign wins the next term without waiting
/// for the heartbeat timeout. With -Term the resignation is refused (Fastband.StaleTerm) if that term is not
/// current.</para>
/// </remarks>
/// <example>
/// <code>
/// Exit-FastbandLeadership -Term 3 -Agent orch
/// </code>
/// <para>orch hands over leadership of term 3.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandLeader | Exit-FastbandLeadership -Agent orch
/// </code>
/// <para>Resigns the current term, taken from the leader status.</para>
/// </example>
[Cmdlet(VerbsCommon.Exit, "FastbandLeadership", SupportsShouldProcess = true)]
[OutputType(typeof(LeaderStatus))]
public sealed class ExitFastbandLeadershipCommand : FastbandAgentCmdlet
{
    /// <summary>Your term (recommended): refused (Fastband.StaleTerm) if it is not current. Binds the Term property of
    /// piped objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, long.MaxValue)]
    public long? Term { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, "Resign leadership")) WriteObject(project.Leader.Resign(Term));
    }
}
