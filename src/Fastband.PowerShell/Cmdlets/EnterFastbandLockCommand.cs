using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Takes locks and returns a handle that owns the lease (Dispose or Exit-FastbandLock releases it). The lease is
/// tied to this pwsh process and renews itself while the process lives. With -ScriptBlock, runs the block while
/// holding the lock and releases however the block ends.
/// </summary>
[Cmdlet(VerbsCommon.Enter, "FastbandLock", SupportsShouldProcess = true)]
[OutputType(typeof(LockHandle))]
public sealed class EnterFastbandLockCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Resources")]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Position = 1)]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>How long the lease lasts without renewal. Default 1h.</summary>
    [Parameter]
    public DurationValue? Ttl { get; set; }

    /// <summary>Queue for up to this long (first come, first served). Default: try once.</summary>
    [Parameter]
    public DurationValue? Wait { get; set; }

    [Parameter]
    public SwitchParameter Shared { get; set; }

    [Parameter]
    public string? Reason { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>Do not tie the lease to this pwsh process: it then lasts until its TTL, even after pwsh exits.</summary>
    [Parameter]
    public SwitchParameter Untied { get; set; }

    [Parameter]
    public SwitchParameter NoAutoRenew { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(string.Join(", ", Path), "Lock")) return;
        var handle = LockHandle.Acquire(SessionOptions(), new LockRequest
        {
            Resources = Path, Shared = Shared, Ttl = Ttl?.Value, Wait = Wait?.Value ?? TimeSpan.Zero,
            TieToCaller = !Untied, Reason = Reason, TicketId = TicketId,
        }, autoRenew: !NoAutoRenew, StopToken);
        if (ScriptBlock is null)
        {
            WriteObject(handle);
            return;
        }
        try
        {
            foreach (var output in ScriptBlock.Invoke()) WriteObject(output);
        }
        finally
        {
            handle.Dispose();
        }
    }
}
