using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets every agent's last heartbeat, most recent first.</summary>
/// <remarks>
/// <para>Returns one Heartbeat per agent that sends them: its role, host, process id, first and last beat and how many
/// beats. Get-FastbandHealth judges them healthy, late or dead.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandHeartbeat
/// </code>
/// <para>Who beats, and when each last did.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandHeartbeat")]
[OutputType(typeof(Heartbeat))]
public sealed class GetFastbandHeartbeatCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Leader.Heartbeats(), enumerateCollection: true);
}
