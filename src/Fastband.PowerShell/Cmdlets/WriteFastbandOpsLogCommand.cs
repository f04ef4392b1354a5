using System.Collections;
using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Appends an entry to the Agent Ops Log as the caller.</summary>
/// <remarks>
/// <para>Writes one entry (one of the nine event types) under the caller's agent name, with the host and process id,
/// and returns it. A ticket_claimed entry with a ticket also records that ticket as the agent's current one; a
/// ticket_completed entry clears it. The message must not be empty; nothing is written if any argument is
/// invalid.</para>
/// <para>Every 500th entry also moves entries older than the retention period into the archive (see
/// Invoke-FastbandOpsLogArchive).</para>
/// </remarks>
/// <example>
/// <code>
/// Write-FastbandOpsLog -EventType ticket_claimed -Message 'Starting work on #1205' -TicketId 1205 -Agent MCP_Agent1
/// </code>
/// <para>Records that MCP_Agent1 starts on ticket 1205; the agent's current ticket becomes 1205.</para>
/// </example>
/// <example>
/// <code>
/// Write-FastbandOpsLog general 'Deployed build 412 to staging' -Metadata @{ build = 412; env = 'staging' }
/// </code>
/// <para>Appends a general entry with two metadata values, as the agent named in $env:FASTBAND_AGENT.</para>
/// </example>
[Cmdlet(VerbsCommunications.Write, "FastbandOpsLog", SupportsShouldProcess = true)]
[OutputType(typeof(OpsLogEntry))]
public sealed class WriteFastbandOpsLogCommand : FastbandAgentCmdlet
{
    /// <summary>The kind of entry: clearance_granted, hold, rebuild_requested, rebuild_complete, ticket_claimed,
    /// ticket_completed, status_update, review_complete or general.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(OpsEventType.ClearanceGranted, OpsEventType.Hold, OpsEventType.RebuildRequested, OpsEventType.RebuildComplete,
        OpsEventType.TicketClaimed, OpsEventType.TicketCompleted, OpsEventType.StatusUpdate, OpsEventType.ReviewComplete, OpsEventType.General)]
    public string EventType { get; set; } = "";

    /// <summary>The entry's text. It can come from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Message { get; set; } = "";

    /// <summary>The ticket the entry is about, e.g. 1205 (a leading # is dropped).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>Extra key/value pairs stored with the entry, e.g. @{ pr = 42; files = 'a.css', 'b.css' }.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public Hashtable? Metadata { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess($"{EventType}: {Message}", "Write ops log entry")) return;
        var meta = Metadata?.Keys.Cast<object>().Select(k => new KeyValuePair<string, object?>(k.ToString() ?? "", Unwrap(Metadata[k])));
        WriteObject(project.OpsLog.Write(EventType, Message, TicketId, meta));
    }

    private static object? Unwrap(object? value) => value is PSObject ps ? Unwrap(ps.BaseObject) : value switch
    {
        object[] array => array.Select(Unwrap).ToArray(),
        _ => value,
    };
}
