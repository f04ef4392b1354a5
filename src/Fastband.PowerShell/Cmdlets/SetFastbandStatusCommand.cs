using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Board;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Sets the caller's status on the status board.</summary>
/// <remarks>
/// <para>Records the caller's status with the files involved, the ticket and a note, replacing its previous status, and
/// returns it. Get-FastbandBoard shows it to everyone.</para>
/// </remarks>
/// <example>
/// <code>
/// Set-FastbandStatus -Status in_progress -Files templates/base.html -TicketId 1205 -Agent MCP_Agent1
/// </code>
/// <para>Tells the board that MCP_Agent1 is working on templates/base.html for ticket 1205.</para>
/// </example>
/// <example>
/// <code>
/// Set-FastbandStatus blocked -Note 'Waiting for the migration' -Agent MCP_Agent1
/// </code>
/// <para>Marks MCP_Agent1 as blocked, with a note.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "FastbandStatus", SupportsShouldProcess = true)]
[OutputType(typeof(AgentWorkStatus))]
public sealed class SetFastbandStatusCommand : FastbandAgentCmdlet
{
    /// <summary>in_progress, completed, blocked, idle, reviewing or waiting.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(WorkStatus.InProgress, WorkStatus.Completed, WorkStatus.Blocked, WorkStatus.Idle, WorkStatus.Reviewing, WorkStatus.Waiting)]
    public string Status { get; set; } = "";

    /// <summary>The files you work on.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("File")]
    public string[]? Files { get; set; }

    /// <summary>The ticket you work on.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>A short note for the others.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Note { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, $"Set status {Status}"))
            WriteObject(project.Board.SetStatus(Status, Files, TicketId, Note));
    }
}
