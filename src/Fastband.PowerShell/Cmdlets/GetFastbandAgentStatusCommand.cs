using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the summary to read before starting work: active agents, the latest directive and rebuilds.</summary>
/// <remarks>
/// <para>Returns one CoordinationStatus: the active agents, the directive status (as Get-FastbandDirective) and the
/// rebuilds in progress (as Get-FastbandRebuild).</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandAgentStatus
/// </code>
/// <para>Shows who is active, whether a hold is in force and whether a rebuild is running.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandAgentStatus).ActiveAgents | Select-Object Name, CurrentTicket
/// </code>
/// <para>Which ticket each active agent is on.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandAgentStatus")]
[OutputType(typeof(CoordinationStatus))]
public sealed class GetFastbandAgentStatusCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Coordination.GetStatus());
}
