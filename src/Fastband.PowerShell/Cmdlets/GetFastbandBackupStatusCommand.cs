using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the last backup, what changed since, the next scheduled runs, and any backup running now.</summary>
/// <remarks>
/// <para>Returns one BackupStatus: the newest backup, the changes a backup would pick up now (as change detection sees
/// them), how many backups there are and their total size, when the next daily and weekly backups are due, the backup
/// or restore running now (if any) and the database configured.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandBackupStatus
/// </code>
/// <para>Shows whether a backup is due and what it would pick up.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandBackupStatus).ChangesSinceLast
/// </code>
/// <para>Only what changed since the last backup.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandBackupStatus")]
[OutputType(typeof(BackupStatus))]
public sealed class GetFastbandBackupStatusCommand : FastbandBackupCmdlet
{
    protected override bool WritesBackups => false;

    protected override void Process(BackupService backups) => WriteObject(backups.Status());
}
