using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Backs up the project into .fastband/backups/.</summary>
/// <remarks>
/// <para>Writes .fastband/backups/&lt;type&gt;/&lt;id&gt;/: one tar.gz per component (code, config, data, git), the
/// database dump, and manifest.json with every file's SHA-256. The backup is built in a staging folder and renamed into
/// place complete, so an interrupted run leaves nothing listed. Files are owner-only (0600, folders 0700).</para>
/// <para>When nothing changed since the last backup (file contents, the git HEAD, refs and index, and the database),
/// the backup is skipped and the result says why (Skipped, Reason); -Force backs up anyway. One backup or restore runs
/// at a time per project: a second one is refused (ResourceBusy), naming who holds it. Settings come from
/// .fastband/backup_config.yaml. Progress is written with Write-Progress.</para>
/// </remarks>
/// <example>
/// <code>
/// New-FastbandBackup -Name before-upgrade -Agent ops
/// </code>
/// <para>Makes a manual backup named before-upgrade, or says why it was skipped when nothing changed.</para>
/// </example>
/// <example>
/// <code>
/// New-FastbandBackup -Component code, database -Force
/// </code>
/// <para>Backs up only the code and the database, even if nothing changed.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "FastbandBackup", SupportsShouldProcess = true)]
[OutputType(typeof(BackupResult))]
public sealed class NewFastbandBackupCommand : FastbandBackupCmdlet
{
    /// <summary>daily, weekly or manual. Default manual. Limit-FastbandBackup prunes daily and weekly backups beyond
    /// their retention; manual ones are never pruned.</summary>
    [Parameter(Position = 0)]
    [ValidateSet("daily", "weekly", "manual")]
    public string Type { get; set; } = BackupTypes.Manual;

    /// <summary>A name to find the backup by (Get-FastbandBackup -Id NAME, Restore-FastbandBackup NAME).</summary>
    [Parameter]
    public string? Name { get; set; }

    /// <summary>Back up even when nothing changed since the last backup.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The components to back up: code, config, data, database, git. Default: those enabled in
    /// backup_config.yaml.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.BackupComponentCompleter))]
    public string[]? Component { get; set; }

    protected override void Process(BackupService backups)
    {
        if (!ShouldProcess(backups.BackupsDirectory, $"Create a {Type} backup")) return;
        var request = new BackupRequest { Type = Type, Name = Name, Force = Force, Components = Component };
        var result = BackupProgressPump.Run(this, progress => backups.Create(request, progress, StopToken));
        Report(result);
        WriteObject(result);
    }
}
