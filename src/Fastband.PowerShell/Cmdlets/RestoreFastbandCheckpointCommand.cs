using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Resets the work tree to a checkpoint, after snapshotting everything uncommitted.</summary>
/// <remarks>
/// <para>First records everything uncommitted (tracked and untracked files, not ignored ones, and the index) as a
/// snapshot under refs/fastband/snapshots/, through a temporary index so nothing is touched while it happens, then
/// resets hard to the checkpoint. The result names the snapshot that undoes it (Restore-FastbandSnapshot). Untracked
/// files the checkpoint does not have are left in place unless -RemoveUntracked. Ignored files and .fastband/ are never
/// touched.</para>
/// <para>Confirmation is asked by default (ConfirmImpact High). With -WhatIf it reports what would change and touches
/// nothing. Takes Get-FastbandCheckpoint's objects from the pipeline.</para>
/// </remarks>
/// <example>
/// <code>
/// Restore-FastbandCheckpoint -Name before-api -WhatIf
/// </code>
/// <para>What going back to checkpoint-before-api would change; nothing is touched.</para>
/// </example>
/// <example>
/// <code>
/// Restore-FastbandCheckpoint before-api -WithSession -Agent James -Session james-1 -Confirm:$false
/// </code>
/// <para>Goes back to the checkpoint and its session state; the result's Snapshot says how to undo it.</para>
/// </example>
[Cmdlet(VerbsData.Restore, "FastbandCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(GitRestoreResult))]
public sealed class RestoreFastbandCheckpointCommand : FastbandSessionCmdlet
{
    /// <summary>The checkpoint to go back to (without the checkpoint- prefix). Binds the Name property of piped
    /// checkpoints.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.CheckpointNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Also put back the session state recorded with the checkpoint (the state it replaces is kept in the
    /// snapshot).</summary>
    [Parameter]
    public SwitchParameter WithSession { get; set; }

    /// <summary>Also remove untracked files the checkpoint does not have (they stay in the snapshot).</summary>
    [Parameter]
    public SwitchParameter RemoveUntracked { get; set; }

    protected override void Process(FastbandProject project)
    {
        var options = new GitRestoreOptions { WithSession = WithSession, RemoveUntracked = RemoveUntracked };
        if (ShouldProcess($"checkpoint {Name}", "Reset the work tree to the checkpoint (everything uncommitted is snapshotted first)", "Restore-FastbandCheckpoint", out var reason))
            WriteObject(project.Git.RestoreCheckpoint(Name, options));
        else if (reason == ShouldProcessReason.WhatIf)
            WriteObject(project.Git.RestoreCheckpoint(Name, options with { DryRun = true }));
    }
}
