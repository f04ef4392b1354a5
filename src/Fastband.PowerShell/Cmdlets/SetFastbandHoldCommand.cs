using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Posts a hold: the agents and tickets it covers may not work until it is lifted or they are
/// cleared.</summary>
/// <remarks>
/// <para>Writes a hold directive to the Agent Ops Log as the caller. With no -ForAgent and no -TicketId the hold covers
/// everyone and all work, its author included. Work that names no ticket is blocked by every hold that is not scoped to
/// tickets.</para>
/// <para>While the hold is in force, Test-FastbandCoordination answers no for the agents it covers,
/// Wait-FastbandClearance waits, and claims and lock acquisitions by those agents are refused (Fastband.HoldInForce).
/// Lift it with Remove-FastbandHold, or exempt agents with Grant-FastbandClearance.</para>
/// </remarks>
/// <example>
/// <code>
/// Set-FastbandHold 'Database migration in progress' -Agent ops
/// </code>
/// <para>Holds every agent, on all work, until the hold is lifted.</para>
/// </example>
/// <example>
/// <code>
/// Set-FastbandHold 'Reworking the header' -ForAgent MCP_Agent2 -TicketId 1206, 1207 -Agent ops
/// </code>
/// <para>Holds only MCP_Agent2, and only on tickets 1206 and 1207.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "FastbandHold", SupportsShouldProcess = true)]
[OutputType(typeof(Directive))]
public sealed class SetFastbandHoldCommand : FastbandAgentCmdlet
{
    /// <summary>Why work is held; shown to every agent the hold blocks.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Reason { get; set; } = "";

    /// <summary>Only these agents are held. Default: everyone.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string[]? ForAgent { get; set; }

    /// <summary>Only work on these tickets is held. Default: all work.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string[]? TicketId { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Reason, "Post hold")) WriteObject(project.Directives.Hold(Reason, ForAgent, TicketId));
    }
}
