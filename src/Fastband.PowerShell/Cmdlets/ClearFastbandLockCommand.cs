using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Removes stale leases.</summary>
/// <remarks>
/// <para>Removes the leases past their expiry and those tied to a process that is dead on this host (judged by its pid
/// and start time), and returns each one with why it was removed. A lease whose process is alive is never touched; a
/// process on another host is judged by the TTL only. Acquisitions reclaim stale leases by themselves, so this is for
/// tidying the board.</para>
/// </remarks>
/// <example>
/// <code>
/// Clear-FastbandLock
/// </code>
/// <para>Removes every stale lease and lists them.</para>
/// </example>
/// <example>
/// <code>
/// Clear-FastbandLock -WhatIf
/// </code>
/// <para>Changes nothing and shows what would be done.</para>
/// </example>
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
