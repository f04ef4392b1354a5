using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Restores a backup into the project, or into another folder.</summary>
/// <remarks>
/// <para>Verifies the backup first (a damaged one is refused), extracts it into an empty staging folder (refusing the
/// whole archive if any entry is absolute, climbs out with .., is a link pointing outside, a device, or would write
/// through a link), checks that no destination path passes through a link, takes a safety backup of the current state
/// (its id is in the result's SafetyBackupId), and only then swaps the files in. Files in the project that the backup
/// does not have are left alone.</para>
/// <para>Confirmation is asked by default (ConfirmImpact High). With -WhatIf it runs a dry run instead: it changes
/// nothing and returns the files it would create and overwrite. -Destination restores into another folder and touches
/// nothing in the project. Takes Get-FastbandBackup's objects from the pipeline.</para>
/// </remarks>
/// <example>
/// <code>
/// Restore-FastbandBackup latest -WhatIf
/// </code>
/// <para>The dry run: what restoring the newest backup would create and overwrite.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandBackup -Id before-upgrade | Restore-FastbandBackup -Component code -Agent ops -Confirm:$false
/// </code>
/// <para>Restores only the code from the backup named before-upgrade, without asking; a safety backup is taken
/// first.</para>
/// </example>
/// <example>
/// <code>
/// Restore-FastbandBackup latest -Destination /tmp/restore-check -Confirm:$false
/// </code>
/// <para>Restores the newest backup into another folder to look at it.</para>
/// </example>
[Cmdlet(VerbsData.Restore, "FastbandBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreFastbandBackupCommand : FastbandBackupCmdlet
{
    /// <summary>The backup id or name, or 'latest'. Binds the Id property of piped backups.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.BackupIdCompleter))]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string BackupId { get; set; } = "";

    /// <summary>The components to restore: code, config, data, database, git. Default: all the backup holds.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.BackupComponentCompleter))]
    public string[]? Component { get; set; }

    /// <summary>Restore into this folder instead of the project.</summary>
    [Parameter]
    public string? Destination { get; set; }

    protected override void Process(BackupService backups)
    {
        string? destination = Destination is null ? null : GetUnresolvedProviderPathFromPSPath(Destination);
        var request = new RestoreRequest { BackupId = BackupId, Components = Component, Destination = destination };
        string target = destination ?? backups.Root;
        if (ShouldProcess($"Restore backup {BackupId} into {target}", $"Restore backup {BackupId} into {target}, overwriting files there (a safety backup is taken first)?", "Restore-FastbandBackup", out var reason))
        {
            WriteObject(BackupProgressPump.Run(this, progress => backups.Restore(request, progress, StopToken)));
        }
        else if (reason == ShouldProcessReason.WhatIf)
        {
            WriteObject(backups.Restore(request with { DryRun = true }, null, StopToken));
        }
    }
}
