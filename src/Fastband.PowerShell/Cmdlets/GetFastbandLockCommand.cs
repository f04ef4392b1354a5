using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the locks held now, or the agents waiting for one.</summary>
/// <remarks>
/// <para>Returns the live leases (stale ones are left out), each with its holder, resources, mode, fencing token and
/// expiry. With -Waiting it returns instead the agents queued by Enter-FastbandLock -Wait, in queue order.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandLock
/// </code>
/// <para>Every lock held now.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandLock -Waiting
/// </code>
/// <para>Who queues for a lock, first come first.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandLock")]
[OutputType(typeof(Lease), typeof(LockWaiter))]
public sealed class GetFastbandLockCommand : FastbandCmdlet
{
    /// <summary>Only this holder's leases (or, with -Waiting, this agent's place in the queue).</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string? Agent { get; set; }

    /// <summary>List who waits for a lock, in queue order, instead of the leases.</summary>
    [Parameter]
    public SwitchParameter Waiting { get; set; }

    protected override void Process(FastbandProject project)
    {
        var listing = project.Locks.List(Agent);
        if (Waiting) foreach (var w in listing.Waiters) WriteObject(w);
        else foreach (var l in listing.Leases) WriteObject(l);
    }
}
