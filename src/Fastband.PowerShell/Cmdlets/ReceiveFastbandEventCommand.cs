using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the events after the caller's cursor, oldest first.</summary>
/// <remarks>
/// <para>Returns the events the caller has not acknowledged yet, oldest first: every one, or at most -Limit of them.
/// Acknowledge what was handled with Confirm-FastbandEvent (pipe the events in), or with -Acknowledge move the cursor
/// past everything returned. A process killed between handling an event and acknowledging it gets that event again;
/// nothing is skipped.</para>
/// </remarks>
/// <example>
/// <code>
/// Receive-FastbandEvent -Limit 20 -Agent AgentB
/// </code>
/// <para>The next twenty events for AgentB; they stay unacknowledged.</para>
/// </example>
/// <example>
/// <code>
/// Receive-FastbandEvent -Agent AgentB | ForEach-Object { ./handle-event.ps1 $_; $_ } | Confirm-FastbandEvent -Agent AgentB
/// </code>
/// <para>Handles each event, then acknowledges up to the last one handled.</para>
/// </example>
[Cmdlet(VerbsCommunications.Receive, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(InteractionEvent))]
public sealed class ReceiveFastbandEventCommand : FastbandAgentCmdlet
{
    /// <summary>At most this many events. Default: every one (0).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    /// <summary>Acknowledge the events returned: the cursor moves to the last one.</summary>
    [Parameter]
    [Alias("Ack")]
    public SwitchParameter Acknowledge { get; set; }

    protected override bool WritesAsAgent => Acknowledge.IsPresent;

    protected override void Process(FastbandProject project)
    {
        bool acknowledge = Acknowledge && ShouldProcess("the events returned", "Acknowledge");
        foreach (var e in project.Events.Next(Limit, acknowledge)) WriteObject(e);
    }
}
