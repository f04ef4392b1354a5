using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Sends the caller's heartbeat (the leader's also renews its lease), or with -Stop removes it when the agent leaves.</summary>
[Cmdlet(VerbsCommunications.Send, "FastbandHeartbeat", SupportsShouldProcess = true)]
[OutputType(typeof(HeartbeatResult))]
public sealed class SendFastbandHeartbeatCommand : FastbandAgentCmdlet
{
    [Parameter(Position = 0)]
    [ValidateSet(HeartbeatRole.Orchestrator, HeartbeatRole.Agent)]
    public string? Role { get; set; }

    /// <summary>As the leader: your term. The beat is refused (nothing written) if it is not current.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, long.MaxValue)]
    public long? Term { get; set; }

    /// <summary>You are leaving: your heartbeat is removed, and you resign if you lead.</summary>
    [Parameter]
    public SwitchParameter Stop { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(project.Caller.Agent, Stop ? "Stop heartbeats" : "Send heartbeat")) return;
        WriteObject(Stop ? project.Leader.StopBeating() : project.Leader.Beat(Role, Term));
    }
}
