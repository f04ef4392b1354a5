using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Is another active agent on this ticket?</summary>
[Cmdlet(VerbsCommon.Get, "FastbandTicketConflict")]
[OutputType(typeof(TicketConflict))]
public sealed class GetFastbandTicketConflictCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket", "CurrentTicket")]
    public string TicketId { get; set; } = "";

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) => WriteObject(project.Agents.CheckTicket(TicketId));
}
