using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Campaigns for leadership: wins the next term when nobody leads or the leader's heartbeat is older than
/// leader.heartbeatTimeout; refused (Fastband.LeaderAlive) while the leader is alive.
/// </summary>
[Cmdlet(VerbsLifecycle.Request, "FastbandLeadership", SupportsShouldProcess = true)]
[OutputType(typeof(LeaderStatus))]
public sealed class RequestFastbandLeadershipCommand : FastbandAgentCmdlet
{
    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, "Campaign for leadership")) WriteObject(project.Leader.Campaign());
    }
}
