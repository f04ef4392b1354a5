using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Logs an interaction event as the caller.</summary>
/// <remarks>
/// <para>Appends an event to the interaction event log with the caller as its actor and returns it. The type is
/// question, answer, followup, heartbeat, error, leader_election, or a name of your own (a letter, then letters, digits
/// and _, at most 40; Review-Request is stored as review_request). By default the event joins the current interaction;
/// -NewInteraction starts the next one, -Interaction adds to a given one.</para>
/// <para>When the store cannot be written (a read-only file, a full disk, a PostgreSQL server away), the event is
/// appended to .fastband/events.offline.log instead, the result has Queued = $true and a warning says so; the next
/// write that can reach the store replays the queue first, in order and once.</para>
/// </remarks>
/// <example>
/// <code>
/// Write-FastbandEvent -Type question -Content 'How do I start the MCP server?' -NewInteraction -Agent AgentA
/// </code>
/// <para>Starts a new interaction with AgentA's question.</para>
/// </example>
/// <example>
/// <code>
/// Write-FastbandEvent answer 'Run ./start.sh, then open :8080' -Agent AgentB
/// </code>
/// <para>AgentB answers in the current interaction.</para>
/// </example>
/// <example>
/// <code>
/// Write-FastbandEvent followup 'Which port for the admin UI?' -Interaction 12 -Agent AgentA
/// </code>
/// <para>Adds a follow-up to interaction 12.</para>
/// </example>
[Cmdlet(VerbsCommunications.Write, "FastbandEvent", SupportsShouldProcess = true, DefaultParameterSetName = "Current")]
[OutputType(typeof(InteractionEvent))]
public sealed class WriteFastbandEventCommand : FastbandAgentCmdlet
{
    /// <summary>question, answer, followup, heartbeat, error, leader_election, or a type of your own.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Type { get; set; } = "";

    /// <summary>The event's text. It can come from the pipeline.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Content { get; set; } = "";

    /// <summary>The interaction to add to (default: the current one).</summary>
    [Parameter(ParameterSetName = "Number", ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, long.MaxValue)]
    public long Interaction { get; set; }

    /// <summary>Start a new interaction with this event.</summary>
    [Parameter(ParameterSetName = "New", Mandatory = true)]
    public SwitchParameter NewInteraction { get; set; }

    protected override bool StoreMayBeOffline => true;

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(Type, "Log event")) return;
        long? interaction = ParameterSetName == "Number" ? Interaction : null;
        var e = project.Events.Log(Type, Content, interaction, NewInteraction.IsPresent);
        if (e.Queued) WriteWarning($"The store cannot be written now: the event was queued in {project.Events.OfflineQueuePath} and is replayed on the next write that can.");
        WriteObject(e);
    }
}
