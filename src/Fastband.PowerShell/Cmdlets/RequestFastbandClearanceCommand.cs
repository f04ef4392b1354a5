using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Asks the other active agents for clearance on tickets; says how many were notified.</summary>
[Cmdlet(VerbsLifecycle.Request, "FastbandClearance", SupportsShouldProcess = true)]
[OutputType(typeof(ClearanceRequest))]
public sealed class RequestFastbandClearanceCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string[] TicketId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(string.Join(", ", TicketId), "Request clearance"))
            WriteObject(project.Directives.RequestClearance(TicketId, Reason));
    }
}
