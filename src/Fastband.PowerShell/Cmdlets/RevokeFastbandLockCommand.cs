using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Breaks other agents' locks on a path.</summary>
/// <remarks>
/// <para>Takes away every live lease of another agent that overlaps the path: the break is recorded in the lock history
/// and in the Agent Ops Log, each holder is sent a lock_broken message, and a new fencing token is issued for the
/// resources so the old holder's token no longer validates. It needs a reason. When no other agent holds the path it is
/// an error (Fastband.NothingToBreak). Confirmation is asked by default (ConfirmImpact High).</para>
/// </remarks>
/// <example>
/// <code>
/// Revoke-FastbandLock -Path src/api -Reason 'MCP_Agent1 crashed mid-task' -Agent ops -Confirm:$false
/// </code>
/// <para>Breaks the locks on src/api without asking, and tells their holders why.</para>
/// </example>
[Alias("Unlock-FastbandLock")]
[Cmdlet(VerbsSecurity.Revoke, "FastbandLock", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(BreakResult))]
public sealed class RevokeFastbandLockCommand : FastbandAgentCmdlet
{
    /// <summary>The file, folder or glob whose locks to break. Binds the Path property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LockedPathCompleter))]
    public string Path { get; set; } = "";

    /// <summary>Why the lock is broken; written to the ops log and sent to the holder.</summary>
    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Path, "Break other agents' locks")) WriteObject(project.Locks.Break(Path, Reason));
    }
}
