using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Campaigns for leadership.</summary>
/// <remarks>
/// <para>Wins the next term when nobody holds a live leader lease (no leader yet, resigned, or its heartbeat older than
/// leader.heartbeatTimeout, 30s by default); refused (Fastband.LeaderAlive, naming the leader and its heartbeat age)
/// while the leader is alive. Only the agents in leader.eligible may campaign when it is set. Each decision is one
/// write transaction, so racing campaigns elect exactly one leader. Returns the LeaderStatus with the term won.</para>
/// </remarks>
/// <example>
/// <code>
/// $status = Request-FastbandLeadership -Agent orch
/// $status.Term
/// </code>
/// <para>Campaigns as orch and keeps the term for later leader actions.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Request, "FastbandLeadership", SupportsShouldProcess = true)]
[OutputType(typeof(LeaderStatus))]
public sealed class RequestFastbandLeadershipCommand : FastbandAgentCmdlet
{
    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, "Campaign for leadership")) WriteObject(project.Leader.Campaign());
    }
}
