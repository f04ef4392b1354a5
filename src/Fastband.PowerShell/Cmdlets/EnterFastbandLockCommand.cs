using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Takes locks on files, folders or globs and returns a handle that owns the lease.</summary>
/// <remarks>
/// <para>Asks for one lease on every path given, all or nothing (paths piped in are collected and locked together
/// when the pipeline ends, as one grant with one handle): a folder covers everything under it, a glob (*, ? in a
/// name, ** across folders) covers what it matches; shared locks coexist, exclusive ones do not. The same owner asking
/// again gets its own lease back. A lease past its expiry, or tied to a process that is dead on this host, is reclaimed
/// on the way. While a hold covers the caller the lock is refused (Fastband.HoldInForce) unless a clearance for
/// -TicketId lets it through.</para>
/// <para>When the paths are taken the call fails at once (Fastband.LockRefused, naming the holders), or with -Wait
/// queues first come, first served for up to that long. Each grant carries a fencing token, strictly increasing across
/// grants; code that accepts writes under the lock can check it with Test-FastbandLockToken.</para>
/// <para>The returned LockHandle owns the lease: Exit-FastbandLock or its Dispose method releases it. The lease is tied
/// to this pwsh process (if pwsh dies, the next acquirer reclaims it) and renews itself at a third of its TTL while the
/// process lives. With -ScriptBlock, the block runs while the lock is held, its output is written, and the lock is
/// released however the block ends.</para>
/// </remarks>
/// <example>
/// <code>
/// $lock = Enter-FastbandLock -Path src/api, docs/api.md -Ttl '30m' -Wait '2m' -Reason 'API rework' -Agent MCP_Agent1
/// try { ./update-api.ps1 } finally { $lock | Exit-FastbandLock }
/// </code>
/// <para>Locks a folder and a file, queueing up to two minutes for them, and releases them when the work is done or
/// fails.</para>
/// </example>
/// <example>
/// <code>
/// $lock = 'src/a.py', 'src/b.py' | Enter-FastbandLock -Agent MCP_Agent1
/// </code>
/// <para>Locks both files as one lease: if another agent holds either, neither is locked.</para>
/// </example>
/// <example>
/// <code>
/// Enter-FastbandLock -Path db/schema.sql -ScriptBlock { ./migrate.ps1 }
/// </code>
/// <para>Runs the migration while holding the lock on db/schema.sql; the lock is released however the script
/// ends.</para>
/// </example>
/// <example>
/// <code>
/// Enter-FastbandLock -Path 'docs/**' -Shared
/// </code>
/// <para>Takes a shared lock on everything under docs/, which other readers can share.</para>
/// </example>
[Cmdlet(VerbsCommon.Enter, "FastbandLock", SupportsShouldProcess = true)]
[OutputType(typeof(LockHandle))]
public sealed class EnterFastbandLockCommand : FastbandAgentCmdlet
{
    /// <summary>The files, folders or globs to lock, relative to the project folder. They can come from the
    /// pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Resources")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Run this block while holding the lock, then release it (also when the block fails). Without it the
    /// handle is returned.</summary>
    [Parameter(Position = 1)]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>How long the lease lasts without renewal: '30m', a [timespan], or seconds. Default 1h.</summary>
    [Parameter]
    public DurationValue? Ttl { get; set; }

    /// <summary>Queue for up to this long (first come, first served) when the paths are taken: '2m', a [timespan], or
    /// seconds. Default: try once.</summary>
    [Parameter]
    public DurationValue? Wait { get; set; }

    /// <summary>Take a shared lock: other shared locks on the same paths are allowed, exclusive ones are not.</summary>
    [Parameter]
    public SwitchParameter Shared { get; set; }

    /// <summary>Why you lock the paths; shown to agents that ask for them.</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>The ticket the work is for; a clearance for it lets the lock through a hold.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    /// <summary>Do not tie the lease to this pwsh process: it then lasts until its TTL, even after pwsh
    /// exits.</summary>
    [Parameter]
    public SwitchParameter Untied { get; set; }

    /// <summary>Do not renew the lease in the background; renew it yourself with Update-FastbandLock before it
    /// expires.</summary>
    [Parameter]
    public SwitchParameter NoAutoRenew { get; set; }

    private readonly List<string> _paths = new();

    // Paths piped in one by one are collected and locked together at the end: one all-or-nothing grant, one handle.
    protected override void Process(FastbandProject project) => _paths.AddRange(Path);

    private protected override void EndWork()
    {
        if (_paths.Count == 0 || !ShouldProcess(string.Join(", ", _paths), "Lock")) return;
        var handle = LockHandle.Acquire(SessionOptions(), new LockRequest
        {
            Resources = _paths.Distinct(StringComparer.Ordinal).ToArray(), Shared = Shared, Ttl = Ttl?.Value, Wait = Wait?.Value ?? TimeSpan.Zero,
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
