using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The last backup, what changed since, the next scheduled runs, and any backup running now.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandBackupStatus")]
[OutputType(typeof(BackupStatus))]
public sealed class GetFastbandBackupStatusCommand : FastbandBackupCmdlet
{
    protected override bool WritesBackups => false;

    protected override void Process(BackupService backups) => WriteObject(backups.Status());
}
