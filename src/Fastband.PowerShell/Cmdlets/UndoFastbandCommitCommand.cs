using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Rolls back your last commits with a soft reset.</summary>
/// <remarks>
/// <para>Moves HEAD back by -Count commits with a soft reset, so their changes stay staged. It is refused
/// (Fastband.RollbackRefused) when one of them is another agent's (by its Agent: trailer; a commit without one is
/// nobody's), already pushed (reachable from a remote-tracking branch) or a merge, unless -Force. Confirmation is asked
/// by default (ConfirmImpact High); with -WhatIf it reports the commits that would be undone and changes
/// nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// Undo-FastbandCommit -Count 2 -WhatIf -Agent James
/// </code>
/// <para>Shows the two commits that would be rolled back.</para>
/// </example>
/// <example>
/// <code>
/// Undo-FastbandCommit -Agent James -Confirm:$false
/// </code>
/// <para>Rolls back James's last commit; its changes stay staged.</para>
/// </example>
[Cmdlet(VerbsCommon.Undo, "FastbandCommit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(GitRollbackResult))]
public sealed class UndoFastbandCommitCommand : FastbandAgentCmdlet
{
    /// <summary>How many of the last commits to roll back. Default 1.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, 1000)]
    public int Count { get; set; } = 1;

    /// <summary>Roll back even another agent's, a pushed or a merge commit.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess($"the last {Count} commit(s)", "Roll back (soft reset; changes stay staged)", "Undo-FastbandCommit", out var reason))
            WriteObject(project.Git.Rollback(Count, Force));
        else if (reason == ShouldProcessReason.WhatIf)
            WriteObject(project.Git.Rollback(Count, Force, dryRun: true));
    }
}
