using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Every agent's last heartbeat, most recent first.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandHeartbeat")]
[OutputType(typeof(Heartbeat))]
public sealed class GetFastbandHeartbeatCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Leader.Heartbeats(), enumerateCollection: true);
}
