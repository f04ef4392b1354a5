using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Announces that a container rebuild is starting; other agents are blocked until it completes.</summary>
[Cmdlet(VerbsLifecycle.Start, "FastbandRebuild", SupportsShouldProcess = true)]
[OutputType(typeof(OpsLogEntry))]
public sealed class StartFastbandRebuildCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Container { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    [Parameter]
    [Alias("Files")]
    public string[]? File { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Container, "Announce rebuild"))
            WriteObject(project.Rebuilds.Announce(Container, TicketId, File, RebuildTracker.Requested));
    }
}
