using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Board;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Sets the caller's status on the status board, with the files involved and the ticket.</summary>
[Cmdlet(VerbsCommon.Set, "FastbandStatus", SupportsShouldProcess = true)]
[OutputType(typeof(AgentWorkStatus))]
public sealed class SetFastbandStatusCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(WorkStatus.InProgress, WorkStatus.Completed, WorkStatus.Blocked, WorkStatus.Idle, WorkStatus.Reviewing, WorkStatus.Waiting)]
    public string Status { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("File")]
    public string[]? Files { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Note { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, $"Set status {Status}"))
            WriteObject(project.Board.SetStatus(Status, Files, TicketId, Note));
    }
}
