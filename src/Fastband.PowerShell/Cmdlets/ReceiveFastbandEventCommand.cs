using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// The events after the caller's cursor, oldest first; acknowledge what was handled with Confirm-FastbandEvent,
/// or with -Acknowledge move the cursor past everything returned.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(InteractionEvent))]
public sealed class ReceiveFastbandEventCommand : FastbandAgentCmdlet
{
    /// <summary>At most this many (0: all).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    /// <summary>Acknowledge the events returned (the cursor moves to the last one).</summary>
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
