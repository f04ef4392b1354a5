using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Puts a snapshot back (HEAD, the index and the work tree as they were), after snapshotting the present, so this
/// too can be undone. -WhatIf reports what would change. Takes Get-FastbandSnapshot's objects from the pipeline.
/// </summary>
[Cmdlet(VerbsData.Restore, "FastbandSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(GitRestoreResult))]
public sealed class RestoreFastbandSnapshotCommand : FastbandSessionCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.SnapshotIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>Also put back the session state kept with the snapshot.</summary>
    [Parameter]
    public SwitchParameter WithSession { get; set; }

    /// <summary>Also remove untracked files the snapshot does not have (they stay in the new snapshot).</summary>
    [Parameter]
    public SwitchParameter RemoveUntracked { get; set; }

    protected override void Process(FastbandProject project)
    {
        var options = new GitRestoreOptions { WithSession = WithSession, RemoveUntracked = RemoveUntracked };
        if (ShouldProcess($"snapshot {Id}", "Reset the work tree to the snapshot (the present is snapshotted first)", "Restore-FastbandSnapshot", out var reason))
            WriteObject(project.Git.RestoreSnapshot(Id, options));
        else if (reason == ShouldProcessReason.WhatIf)
            WriteObject(project.Git.RestoreSnapshot(Id, options with { DryRun = true }));
    }
}
