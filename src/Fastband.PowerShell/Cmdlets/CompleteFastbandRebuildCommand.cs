using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Announces that a container rebuild is complete. Pipe in from Get-FastbandRebuild.</summary>
[Cmdlet(VerbsLifecycle.Complete, "FastbandRebuild", SupportsShouldProcess = true)]
[OutputType(typeof(OpsLogEntry))]
public sealed class CompleteFastbandRebuildCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Container { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Files")]
    public string[]? File { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Container, "Announce rebuild complete"))
            WriteObject(project.Rebuilds.Announce(Container, TicketId, File, RebuildTracker.Complete));
    }
}
