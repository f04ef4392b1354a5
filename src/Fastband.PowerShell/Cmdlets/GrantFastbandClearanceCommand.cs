using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Clears agents to work on tickets despite the holds in force.</summary>
[Cmdlet(VerbsSecurity.Grant, "FastbandClearance", SupportsShouldProcess = true)]
[OutputType(typeof(Directive))]
public sealed class GrantFastbandClearanceCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string[] ToAgent { get; set; } = Array.Empty<string>();

    /// <summary>The tickets they are cleared for. Default: all work.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string[]? TicketId { get; set; }

    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(string.Join(", ", ToAgent), "Grant clearance"))
            WriteObject(project.Directives.GrantClearance(ToAgent, TicketId, Reason));
    }
}
