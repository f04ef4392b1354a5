using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Renews a lease. A lost lease (expired, broken, released) is an error at once: Fastband.LeaseLost.</summary>
[Cmdlet(VerbsData.Update, "FastbandLock", SupportsShouldProcess = true)]
[OutputType(typeof(Lease))]
public sealed class UpdateFastbandLockCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LeaseIdCompleter))]
    public string LeaseId { get; set; } = "";

    /// <summary>The new duration from now. Default: the lease's own.</summary>
    [Parameter]
    public DurationValue? Ttl { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(LeaseId, "Renew lease")) WriteObject(project.Locks.Renew(LeaseId, Ttl?.Value));
    }
}
