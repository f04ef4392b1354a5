using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Removes stale leases (expired, or their process dead on this host). A lease whose process is alive is never touched.</summary>
[Cmdlet(VerbsCommon.Clear, "FastbandLock", SupportsShouldProcess = true)]
[OutputType(typeof(ReclaimedLease))]
public sealed class ClearFastbandLockCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess("stale leases", "Remove")) return;
        foreach (var r in project.Locks.Cleanup()) WriteObject(r);
    }
}
