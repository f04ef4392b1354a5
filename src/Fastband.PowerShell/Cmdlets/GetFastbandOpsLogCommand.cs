using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Reads the Agent Ops Log, newest first.</summary>
/// <remarks>
/// <para>Returns the entries that match every filter given, newest first: every one, or at most -Limit of them. With
/// -IncludeArchive, the entries already moved to the daily archive files are read too.</para>
/// <para>With -Follow, it writes the matching entries and then keeps writing new ones as they are appended, until
/// Ctrl+C. On a PostgreSQL store it wakes as soon as a write commits; on SQLite it polls every
/// opsLog.pollInterval.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandOpsLog -Since '1h' -EventType hold, clearance_granted
/// </code>
/// <para>The holds and clearances of the last hour.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandOpsLog -TicketId 1205 -Limit 0 -IncludeArchive
/// </code>
/// <para>Everything ever written about ticket 1205, the archive included.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandOpsLog -Follow -Limit 10
/// </code>
/// <para>Shows the ten newest entries, then every new one until Ctrl+C.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandOpsLog")]
[OutputType(typeof(OpsLogEntry))]
public sealed class GetFastbandOpsLogCommand : FastbandCmdlet
{
    /// <summary>Only entries at or after this time: a duration back from now ('30m', '1h', '2d'; quote it), a
    /// timestamp, or a [datetime].</summary>
    [Parameter(Position = 0)]
    public PointInTime? Since { get; set; }

    /// <summary>Only entries at or before this time: a duration back from now ('1h'), a timestamp, or a
    /// [datetime].</summary>
    [Parameter]
    public PointInTime? Until { get; set; }

    /// <summary>Only entries written by this agent. Binds the Name property of piped objects (Get-FastbandAgent's
    /// output).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    [Alias("Name")]
    public string? Agent { get; set; }

    /// <summary>Only entries of these event types.</summary>
    [Parameter]
    [ValidateSet(OpsEventType.ClearanceGranted, OpsEventType.Hold, OpsEventType.RebuildRequested, OpsEventType.RebuildComplete,
        OpsEventType.TicketClaimed, OpsEventType.TicketCompleted, OpsEventType.StatusUpdate, OpsEventType.ReviewComplete, OpsEventType.General)]
    public string[]? EventType { get; set; }

    /// <summary>Only entries about this ticket (a leading # is dropped).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>At most this many entries, newest first. Default: every matching entry.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    /// <summary>Also read the entries archived to .fastband/agent_ops/archive/.</summary>
    [Parameter]
    public SwitchParameter IncludeArchive { get; set; }

    /// <summary>Keep writing new entries as they arrive, until Ctrl+C.</summary>
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
            TicketId = TicketId,
            Limit = Limit,
            IncludeArchive = IncludeArchive,
        };
        var entries = Follow ? project.OpsLog.Follow(query, StopToken) : project.OpsLog.Read(query);
        foreach (var entry in entries) WriteObject(entry);
    }
}
