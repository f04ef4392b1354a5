using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The locks held now (or, with -Waiting, who waits for one, in queue order).</summary>
[Cmdlet(VerbsCommon.Get, "FastbandLock")]
[OutputType(typeof(Lease), typeof(LockWaiter))]
public sealed class GetFastbandLockCommand : FastbandCmdlet
{
    /// <summary>Only this holder's locks.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string? Agent { get; set; }

    [Parameter]
    public SwitchParameter Waiting { get; set; }

    protected override void Process(FastbandProject project)
    {
        var listing = project.Locks.List(Agent);
        if (Waiting) foreach (var w in listing.Waiters) WriteObject(w);
        else foreach (var l in listing.Leases) WriteObject(l);
    }
}
