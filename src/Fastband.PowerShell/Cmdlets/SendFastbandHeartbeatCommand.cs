using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Sends the caller's heartbeat, or with -Stop removes it.</summary>
/// <remarks>
/// <para>Records a beat for the caller (host, role, count). The leader's beat also renews the leader lease; with -Term
/// the beat is a leader action and is refused (Fastband.StaleTerm, nothing written) when the term is not the caller's
/// current one. With -Stop the caller's heartbeat is removed as it leaves, and it resigns if it leads.</para>
/// </remarks>
/// <example>
/// <code>
/// Send-FastbandHeartbeat -Role agent -Agent MCP_Agent1
/// </code>
/// <para>One heartbeat for MCP_Agent1.</para>
/// </example>
/// <example>
/// <code>
/// $term = (Request-FastbandLeadership -Agent orch).Term
/// while ($true) { Send-FastbandHeartbeat -Role orchestrator -Term $term -Agent orch -ErrorAction Stop; Start-Sleep -Seconds 10 }
/// </code>
/// <para>The leader's heartbeat loop: it stops with an error once another agent has taken over.</para>
/// </example>
/// <example>
/// <code>
/// Send-FastbandHeartbeat -Stop -Agent MCP_Agent1
/// </code>
/// <para>MCP_Agent1 leaves: its heartbeat is removed.</para>
/// </example>
[Cmdlet(VerbsCommunications.Send, "FastbandHeartbeat", SupportsShouldProcess = true)]
[OutputType(typeof(HeartbeatResult))]
public sealed class SendFastbandHeartbeatCommand : FastbandAgentCmdlet
{
    /// <summary>orchestrator or agent.</summary>
    [Parameter(Position = 0)]
    [ValidateSet(HeartbeatRole.Orchestrator, HeartbeatRole.Agent)]
    public string? Role { get; set; }

    /// <summary>As the leader: your term. The beat is refused (nothing written) if it is not current. Binds the Term
    /// property of piped objects.</summary>
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
