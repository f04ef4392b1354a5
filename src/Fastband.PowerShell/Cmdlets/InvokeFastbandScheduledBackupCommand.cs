using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Makes the scheduled backups that are due, then prunes.</summary>
/// <remarks>
/// <para>Makes today's daily backup once, after daily_time, and on weekly_day the weekly one, each only if it has not
/// been made yet, then prunes as Limit-FastbandBackup does. Safe to call as often as a scheduler likes; nothing runs
/// when the backups are disabled in backup_config.yaml. Returns the runs made and when the next ones are due.</para>
/// </remarks>
/// <example>
/// <code>
/// Invoke-FastbandScheduledBackup -Agent scheduler
/// </code>
/// <para>Run it every few minutes from a scheduler: it backs up only when a backup is due.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "FastbandScheduledBackup", SupportsShouldProcess = true)]
[OutputType(typeof(ScheduledRunResult))]
public sealed class InvokeFastbandScheduledBackupCommand : FastbandBackupCmdlet
{
    protected override void Process(BackupService backups)
    {
        if (!ShouldProcess(backups.BackupsDirectory, "Run the scheduled backups that are due")) return;
        WriteObject(BackupProgressPump.Run(this, progress => backups.RunScheduled(progress, StopToken)));
    }
}
