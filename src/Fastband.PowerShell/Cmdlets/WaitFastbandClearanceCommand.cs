using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Waits until the agent may work, or until a timeout.</summary>
/// <remarks>
/// <para>Checks as Test-FastbandCoordination does, and again every poll interval, until no hold or rebuild is in the
/// way or the timeout passes. Returns the last WorkPermission; when the timeout passed with the agent still blocked, it
/// also writes a warning with the reason. Ctrl+C stops the wait.</para>
/// </remarks>
/// <example>
/// <code>
/// $permission = Wait-FastbandClearance -TicketId 1205 -Timeout '10m' -Agent MCP_Agent1
/// if (-not $permission.Allowed) { throw $permission.Reason }
/// </code>
/// <para>Waits up to ten minutes for MCP_Agent1 to be cleared for ticket 1205, and stops the script if it is still
/// blocked.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Wait, "FastbandClearance")]
[OutputType(typeof(WorkPermission))]
public sealed class WaitFastbandClearanceCommand : FastbandAgentCmdlet
{
    /// <summary>The ticket you want to work on. Default: work that names no ticket.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>Give up after this long: '10m', a [timespan], or a number of seconds. Default 30m.</summary>
    [Parameter]
    public DurationValue Timeout { get; set; } = new(TimeSpan.FromMinutes(30));

    /// <summary>How often to check again: '5s', a [timespan], or seconds. Default: the configured
    /// opsLog.pollInterval.</summary>
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
