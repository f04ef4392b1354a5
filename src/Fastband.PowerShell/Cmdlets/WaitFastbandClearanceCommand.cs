using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Waits until the agent may work (no hold or rebuild in the way), or until the timeout.</summary>
[Cmdlet(VerbsLifecycle.Wait, "FastbandClearance")]
[OutputType(typeof(WorkPermission))]
public sealed class WaitFastbandClearanceCommand : FastbandAgentCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>Give up after this long: "10m", a [timespan], or seconds. Default 30m.</summary>
    [Parameter]
    public DurationValue Timeout { get; set; } = new(TimeSpan.FromMinutes(30));

    [Parameter]
    public DurationValue? PollInterval { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project)
    {
        var answer = project.Coordination.WaitUntilAllowed(null, TicketId, Timeout.Value, StopToken, PollInterval?.Value);
        if (!answer.Allowed) WriteWarning($"Still blocked after {Timeout.Value}: {answer.Reason}");
        WriteObject(answer);
    }
}
