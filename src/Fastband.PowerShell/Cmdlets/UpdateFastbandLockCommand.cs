using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Renews a lease.</summary>
/// <remarks>
/// <para>Extends the lease's expiry by -Ttl from now (default: the lease's own duration) and returns the renewed lease.
/// A lease that is lost (expired and reclaimed, broken, or released) is an error at once: Fastband.LeaseLost. Handles
/// from Enter-FastbandLock renew themselves unless -NoAutoRenew was given.</para>
/// </remarks>
/// <example>
/// <code>
/// Update-FastbandLock -LeaseId $lock.LeaseId -Ttl '2h'
/// </code>
/// <para>Extends the lease held in $lock to two hours from now.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandLock -Agent MCP_Agent1 | Update-FastbandLock
/// </code>
/// <para>Renews every lease that MCP_Agent1 holds for its own duration.</para>
/// </example>
[Cmdlet(VerbsData.Update, "FastbandLock", SupportsShouldProcess = true)]
[OutputType(typeof(Lease))]
public sealed class UpdateFastbandLockCommand : FastbandAgentCmdlet
{
    /// <summary>The id of the lease to renew. Binds the LeaseId property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LeaseIdCompleter))]
    public string LeaseId { get; set; } = "";

    /// <summary>The new duration from now: '30m', a [timespan], or seconds. Default: the lease's own.</summary>
    [Parameter]
    public DurationValue? Ttl { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(LeaseId, "Renew lease")) WriteObject(project.Locks.Renew(LeaseId, Ttl?.Value));
    }
}
