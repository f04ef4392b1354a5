using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Clears agents to work despite the holds in force.</summary>
/// <remarks>
/// <para>Writes a clearance directive to the Agent Ops Log as the caller: the agents named are exempt, for the tickets
/// named (or for all work), from every hold posted before it. A hold posted after the clearance blocks them
/// again.</para>
/// </remarks>
/// <example>
/// <code>
/// Grant-FastbandClearance -ToAgent MCP_Agent2 -TicketId 1206, 1207 -Reason 'No conflict with the migration' -Agent ops
/// </code>
/// <para>Lets MCP_Agent2 work on tickets 1206 and 1207 while the holds stay in force for everyone else.</para>
/// </example>
[Cmdlet(VerbsSecurity.Grant, "FastbandClearance", SupportsShouldProcess = true)]
[OutputType(typeof(Directive))]
public sealed class GrantFastbandClearanceCommand : FastbandAgentCmdlet
{
    /// <summary>The agents to clear.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string[] ToAgent { get; set; } = Array.Empty<string>();

    /// <summary>The tickets they are cleared for. Default: all work.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string[]? TicketId { get; set; }

    /// <summary>Why they may work despite the hold.</summary>
    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(string.Join(", ", ToAgent), "Grant clearance"))
            WriteObject(project.Directives.GrantClearance(ToAgent, TicketId, Reason));
    }
}
