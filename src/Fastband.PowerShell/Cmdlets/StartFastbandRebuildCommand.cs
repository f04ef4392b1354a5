using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Announces that a container rebuild is starting.</summary>
/// <remarks>
/// <para>Writes a rebuild_requested entry to the Agent Ops Log as the caller. Until the same container's rebuild is
/// announced complete (Complete-FastbandRebuild), or opsLog.rebuildTimeout (30 minutes) passes, every other agent is
/// blocked: Test-FastbandCoordination answers no and Wait-FastbandClearance waits.</para>
/// </remarks>
/// <example>
/// <code>
/// Start-FastbandRebuild -Container webapp -TicketId 1205 -File templates/base.html -Agent MCP_Agent1
/// </code>
/// <para>Blocks the other agents while webapp is rebuilt for ticket 1205.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "FastbandRebuild", SupportsShouldProcess = true)]
[OutputType(typeof(OpsLogEntry))]
public sealed class StartFastbandRebuildCommand : FastbandAgentCmdlet
{
    /// <summary>The container being rebuilt, e.g. webapp.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Container { get; set; } = "";

    /// <summary>The ticket the rebuild is for.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>The files whose change needs the rebuild.</summary>
    [Parameter]
    [Alias("Files")]
    public string[]? File { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Container, "Announce rebuild"))
            WriteObject(project.Rebuilds.Announce(Container, TicketId, File, RebuildTracker.Requested));
    }
}
