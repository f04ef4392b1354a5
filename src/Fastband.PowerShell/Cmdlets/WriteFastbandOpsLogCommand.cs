using System.Collections;
using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Appends an entry to the Agent Ops Log.</summary>
[Cmdlet(VerbsCommunications.Write, "FastbandOpsLog", SupportsShouldProcess = true)]
[OutputType(typeof(OpsLogEntry))]
public sealed class WriteFastbandOpsLogCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet(OpsEventType.ClearanceGranted, OpsEventType.Hold, OpsEventType.RebuildRequested, OpsEventType.RebuildComplete,
        OpsEventType.TicketClaimed, OpsEventType.TicketCompleted, OpsEventType.StatusUpdate, OpsEventType.ReviewComplete, OpsEventType.General)]
    public string EventType { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Message { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

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
