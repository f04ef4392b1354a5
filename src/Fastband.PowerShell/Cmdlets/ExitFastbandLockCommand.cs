using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Releases a lock: a handle from Enter-FastbandLock, or a lease by id (pipe in Get-FastbandLock). Releasing twice is harmless.</summary>
[Cmdlet(VerbsCommon.Exit, "FastbandLock", SupportsShouldProcess = true, DefaultParameterSetName = "Handle")]
[OutputType(typeof(ReleaseResult))]
public sealed class ExitFastbandLockCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Handle")]
    public LockHandle? Handle { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Lease")]
    [ArgumentCompleter(typeof(Completion.LeaseIdCompleter))]
    public string LeaseId { get; set; } = "";

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project)
    {
        string id = Handle?.LeaseId ?? LeaseId;
        if (!ShouldProcess(id, "Release lock")) return;
        WriteObject(Handle is not null ? Handle.Release() : project.Locks.Release(id));
    }
}
