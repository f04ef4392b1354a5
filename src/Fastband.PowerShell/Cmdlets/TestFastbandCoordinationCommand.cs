using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>May this agent work (on this ticket) now? Holds and rebuilds in progress say no.</summary>
[Cmdlet(VerbsDiagnostic.Test, "FastbandCoordination")]
[OutputType(typeof(WorkPermission))]
public sealed class TestFastbandCoordinationCommand : FastbandAgentCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) =>
        WriteObject(project.Coordination.Check(null, TicketId));
}
