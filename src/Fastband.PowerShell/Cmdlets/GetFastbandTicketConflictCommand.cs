using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Tests whether another active agent is on a ticket.</summary>
/// <remarks>
/// <para>Returns a TicketConflict: HasConflict is $true when an active agent other than the caller has the ticket as
/// its current one, with the conflicting agents and a recommendation. It changes nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandTicketConflict -TicketId 1205 -Agent MCP_Agent1
/// </code>
/// <para>Tells MCP_Agent1 whether anyone else is on ticket 1205.</para>
/// </example>
/// <example>
/// <code>
/// if ((Get-FastbandTicketConflict 1205).HasConflict) { Write-Warning 'Someone else is on #1205' }
/// </code>
/// <para>Warns when another active agent holds the ticket.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandTicketConflict")]
[OutputType(typeof(TicketConflict))]
public sealed class GetFastbandTicketConflictCommand : FastbandAgentCmdlet
{
    /// <summary>The ticket to check. Binds the TicketId, Ticket or CurrentTicket property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket", "CurrentTicket")]
    public string TicketId { get; set; } = "";

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) => WriteObject(project.Agents.CheckTicket(TicketId));
}
