using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Logs an interaction event as the caller; when the store cannot be written the event is queued offline
/// (Queued = $true) and replayed by the next write that can.
/// </summary>
[Cmdlet(VerbsCommunications.Write, "FastbandEvent", SupportsShouldProcess = true, DefaultParameterSetName = "Current")]
[OutputType(typeof(InteractionEvent))]
public sealed class WriteFastbandEventCommand : FastbandAgentCmdlet
{
    /// <summary>question, answer, followup, heartbeat, error, leader_election, or a type of your own.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Type { get; set; } = "";

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
