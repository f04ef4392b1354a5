using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Reads the Agent Ops Log, newest first; with -Follow, keeps writing new entries until Ctrl+C.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandOpsLog")]
[OutputType(typeof(OpsLogEntry))]
public sealed class GetFastbandOpsLogCommand : FastbandCmdlet
{
    /// <summary>A duration back from now (30m, 1h, 2d), a timestamp, or a [datetime].</summary>
    [Parameter(Position = 0)]
    public PointInTime? Since { get; set; }

    [Parameter]
    public PointInTime? Until { get; set; }

    /// <summary>Only entries written by this agent.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    [Alias("Name")]
    public string? Agent { get; set; }

    [Parameter]
    [ValidateSet(OpsEventType.ClearanceGranted, OpsEventType.Hold, OpsEventType.RebuildRequested, OpsEventType.RebuildComplete,
        OpsEventType.TicketClaimed, OpsEventType.TicketCompleted, OpsEventType.StatusUpdate, OpsEventType.ReviewComplete, OpsEventType.General)]
    public string[]? EventType { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>At most this many entries; 0 for no limit.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; } = OpsLogQuery.DefaultLimit;

    [Parameter]
    public SwitchParameter IncludeArchive { get; set; }

    [Parameter]
    public SwitchParameter Follow { get; set; }

    protected override void Process(FastbandProject project)
    {
        var now = project.Clock.GetUtcNow();
        var query = new OpsLogQuery
        {
            Since = Since?.Resolve(now),
            Until = Until?.Resolve(now),
            Agent = Agent,
            EventTypes = EventType,
            TicketId = OpsLogService.NormalizeTicket(TicketId),
            Limit = Limit,
            IncludeArchive = IncludeArchive,
        };
        var entries = Follow ? project.OpsLog.Follow(query, StopToken) : project.OpsLog.Read(query);
        foreach (var entry in entries) WriteObject(entry);
    }
}
