using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets who holds what you want; writes nothing when the paths are free.</summary>
/// <remarks>
/// <para>Checks the paths against the live leases of other agents as an acquisition by the caller would, and returns
/// one LockConflict per lease in the way (with its holder, lease id and expiry). It takes nothing and changes
/// nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandLockConflict -Path src/api/routes.ts -Agent MCP_Agent2
/// </code>
/// <para>Shows who stands in the way of MCP_Agent2 locking the file.</para>
/// </example>
/// <example>
/// <code>
/// if (-not (Get-FastbandLockConflict -Path templates/base.html)) { Enter-FastbandLock -Path templates/base.html }
/// </code>
/// <para>Takes the lock only when nobody holds the file.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandLockConflict")]
[OutputType(typeof(LockConflict))]
public sealed class GetFastbandLockConflictCommand : FastbandAgentCmdlet
{
    /// <summary>The files, folders or globs you want, relative to the project folder. They can come from the
    /// pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Check as for a shared lock, which other shared locks do not conflict with.</summary>
    [Parameter]
    public SwitchParameter Shared { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project)
    {
        foreach (var c in project.Locks.Check(Path, Shared)) WriteObject(c);
    }
}
