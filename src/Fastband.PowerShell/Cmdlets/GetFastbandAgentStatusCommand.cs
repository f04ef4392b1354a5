using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Active agents, the latest directive and rebuild status: the summary to read before starting work.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandAgentStatus")]
[OutputType(typeof(CoordinationStatus))]
public sealed class GetFastbandAgentStatusCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Coordination.GetStatus());
}
