using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Resets to a checkpoint (hard) after snapshotting everything uncommitted, tracked and untracked, to
/// refs/fastband/snapshots/; the result names the snapshot that undoes it. -WhatIf reports what would change.
/// Takes Get-FastbandCheckpoint's objects from the pipeline.
/// </summary>
[Cmdlet(VerbsData.Restore, "FastbandCheckpoint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(GitRestoreResult))]
public sealed class RestoreFastbandCheckpointCommand : FastbandSessionCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.CheckpointNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Also put back the session state recorded with the checkpoint.</summary>
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
