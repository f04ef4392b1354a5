using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Tests whether the holder of a fencing token may still act under a lease.</summary>
/// <remarks>
/// <para>Returns a TokenValidation: Valid is $true only while the lease exists and the token is the one it was granted
/// with. It is $false, with the reason, after the lease expired and was reclaimed, was released, or was broken
/// (breaking issues a newer token). Anything that accepts writes under a lock can ask this first and refuse a stale
/// holder.</para>
/// </remarks>
/// <example>
/// <code>
/// $lock | Test-FastbandLockToken
/// </code>
/// <para>Checks the handle from Enter-FastbandLock: LeaseId and FencingToken bind from it.</para>
/// </example>
/// <example>
/// <code>
/// Test-FastbandLockToken -LeaseId $leaseId -FencingToken 42
/// </code>
/// <para>Checks a lease id and token that another process reported.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "FastbandLockToken")]
[OutputType(typeof(TokenValidation))]
public sealed class TestFastbandLockTokenCommand : FastbandCmdlet
{
    /// <summary>The lease the token claims to belong to. Binds the LeaseId property of piped objects (a handle or a
    /// lease).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LeaseIdCompleter))]
    public string LeaseId { get; set; } = "";

    /// <summary>The token to check. Binds the FencingToken property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public long FencingToken { get; set; }

    protected override void Process(FastbandProject project) => WriteObject(project.Locks.Validate(LeaseId, FencingToken));
}
