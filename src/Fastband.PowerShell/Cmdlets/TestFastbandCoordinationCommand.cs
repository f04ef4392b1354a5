using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Tests whether the agent may work now, on a ticket or at all.</summary>
/// <remarks>
/// <para>Evaluates the holds, clearances and rebuilds in progress for the caller and returns a WorkPermission: Allowed
/// is $true, or $false with the Reason and the holds and rebuilds that block. It changes nothing. A rebuild that was
/// requested and not completed blocks every agent but its requester until it completes or opsLog.rebuildTimeout (30
/// minutes) passes.</para>
/// </remarks>
/// <example>
/// <code>
/// if (-not (Test-FastbandCoordination -TicketId 1205 -Agent MCP_Agent1).Allowed) { Wait-FastbandClearance -TicketId 1205 -Timeout '10m' -Agent MCP_Agent1 }
/// </code>
/// <para>Waits for clearance only when MCP_Agent1 is blocked on ticket 1205.</para>
/// </example>
/// <example>
/// <code>
/// Test-FastbandCoordination | Select-Object Allowed, Reason, BlockingHolds
/// </code>
/// <para>Asks for the agent in $env:FASTBAND_AGENT and shows why it is blocked, if it is.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "FastbandCoordination")]
[OutputType(typeof(WorkPermission))]
public sealed class TestFastbandCoordinationCommand : FastbandAgentCmdlet
{
    /// <summary>The ticket you want to work on. Default: work that names no ticket, which every hold not scoped to
    /// tickets blocks.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) =>
        WriteObject(project.Coordination.Check(null, TicketId));
}
