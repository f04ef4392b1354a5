using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Puts a snapshot back: HEAD, the index and the work tree as they were.</summary>
/// <remarks>
/// <para>Snapshots the present first, so this too can be undone, then puts back the snapshot's HEAD, index and work
/// tree. Untracked files the snapshot does not have are left in place unless -RemoveUntracked. Confirmation is asked by
/// default (ConfirmImpact High); with -WhatIf it reports what would change and touches nothing. Takes
/// Get-FastbandSnapshot's objects from the pipeline.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandSnapshot | Select-Object -First 1 | Restore-FastbandSnapshot -WhatIf
/// </code>
/// <para>What putting back the newest snapshot would change.</para>
/// </example>
/// <example>
/// <code>
/// Restore-FastbandSnapshot -Id 20261121-073508-831-4dff4a -WithSession -Confirm:$false
/// </code>
/// <para>Undoes a restore, session state included.</para>
/// </example>
[Cmdlet(VerbsData.Restore, "FastbandSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(GitRestoreResult))]
public sealed class RestoreFastbandSnapshotCommand : FastbandSessionCmdlet
{
    /// <summary>The snapshot to put back. Binds the Id property of piped snapshots.</summary>
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
