using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Makes today's daily backup once (after daily_time) and the weekly one on weekly_day, then prunes. Safe to
/// call as often as a scheduler likes.
/// </summary>
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
