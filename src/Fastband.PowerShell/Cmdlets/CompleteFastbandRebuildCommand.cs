using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Announces that a container rebuild is complete.</summary>
/// <remarks>
/// <para>Writes a rebuild_complete entry to the Agent Ops Log as the caller, which ends the block that
/// Start-FastbandRebuild put on the other agents. Takes Get-FastbandRebuild's objects from the pipeline (Container,
/// TicketId and Files bind by name).</para>
/// </remarks>
/// <example>
/// <code>
/// Complete-FastbandRebuild -Container webapp -TicketId 1205 -Agent MCP_Agent1
/// </code>
/// <para>Ends the rebuild of webapp announced for ticket 1205.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandRebuild | Where-Object RequestedBy -eq 'MCP_Agent1' | Complete-FastbandRebuild -Agent MCP_Agent1
/// </code>
/// <para>Completes every rebuild that MCP_Agent1 started and has not completed yet.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Complete, "FastbandRebuild", SupportsShouldProcess = true)]
[OutputType(typeof(OpsLogEntry))]
public sealed class CompleteFastbandRebuildCommand : FastbandAgentCmdlet
{
    /// <summary>The container whose rebuild finished.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Container { get; set; } = "";

    /// <summary>The ticket the rebuild was for.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>The files the rebuild covered.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Files")]
    public string[]? File { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Container, "Announce rebuild complete"))
            WriteObject(project.Rebuilds.Announce(Container, TicketId, File, RebuildTracker.Complete));
    }
}
