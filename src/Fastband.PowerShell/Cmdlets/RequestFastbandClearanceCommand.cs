using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Asks the other active agents for clearance on tickets.</summary>
/// <remarks>
/// <para>Writes a status_update entry to the Agent Ops Log that names the tickets and the reason, and returns how many
/// other active agents (seen within opsLog.activeAgentWindow) were notified. It does not clear anything by itself: an
/// agent grants the clearance with Grant-FastbandClearance.</para>
/// </remarks>
/// <example>
/// <code>
/// Request-FastbandClearance -TicketId 1205 -Reason 'Hotfix for the login page' -Agent MCP_Agent1
/// </code>
/// <para>Posts the request; the result's NotifiedCount says how many other agents are active to see it.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Request, "FastbandClearance", SupportsShouldProcess = true)]
[OutputType(typeof(ClearanceRequest))]
public sealed class RequestFastbandClearanceCommand : FastbandAgentCmdlet
{
    /// <summary>The tickets to ask clearance for (at least one).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string[] TicketId { get; set; } = Array.Empty<string>();

    /// <summary>Why you need to work on them.</summary>
    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(string.Join(", ", TicketId), "Request clearance"))
            WriteObject(project.Directives.RequestClearance(TicketId, Reason));
    }
}
