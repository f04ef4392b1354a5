using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Rolls back your last commits with a soft reset (their changes stay staged). Refused (Fastband.RollbackRefused)
/// when one is another agent's, already pushed, or a merge, unless -Force. -WhatIf reports what would be undone.
/// </summary>
[Cmdlet(VerbsCommon.Undo, "FastbandCommit", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(GitRollbackResult))]
public sealed class UndoFastbandCommitCommand : FastbandAgentCmdlet
{
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
