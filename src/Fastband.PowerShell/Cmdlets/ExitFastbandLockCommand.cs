using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Releases a lock: a handle from Enter-FastbandLock, or a lease by id.</summary>
/// <remarks>
/// <para>Releases the lease and returns what was released. Give the handle that Enter-FastbandLock returned (by
/// position or the pipeline), or -LeaseId; Get-FastbandLock's leases bind to -LeaseId from the pipeline. Releasing a
/// lease twice, or one that is already gone, is harmless. Another agent's live lease is refused (LeaseHeldByOther):
/// take it away with Revoke-FastbandLock and a reason, which is recorded and tells the holder.</para>
/// </remarks>
/// <example>
/// <code>
/// $lock = Enter-FastbandLock -Path src/api
/// $lock | Exit-FastbandLock
/// </code>
/// <para>Takes a lock and releases it through its handle.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandLock -Agent MCP_Agent1 | Exit-FastbandLock -Agent MCP_Agent1
/// </code>
/// <para>MCP_Agent1 releases every lease it holds, by id.</para>
/// </example>
[Cmdlet(VerbsCommon.Exit, "FastbandLock", SupportsShouldProcess = true, DefaultParameterSetName = "Handle")]
[OutputType(typeof(ReleaseResult))]
public sealed class ExitFastbandLockCommand : FastbandAgentCmdlet
{
    /// <summary>The handle that Enter-FastbandLock returned. It can come from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Handle")]
    public LockHandle? Handle { get; set; }

    /// <summary>The id of the lease to release. Binds the LeaseId property of piped objects, such as Get-FastbandLock's
    /// leases.</summary>
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
