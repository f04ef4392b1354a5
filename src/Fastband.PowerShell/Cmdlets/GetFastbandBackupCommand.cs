using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Lists complete backups, newest first, each with why retention keeps it; -Id finds one (or 'latest').</summary>
[Cmdlet(VerbsCommon.Get, "FastbandBackup")]
[OutputType(typeof(BackupInfo))]
public sealed class GetFastbandBackupCommand : FastbandBackupCmdlet
{
    /// <summary>A backup id or name, or 'latest'.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    protected override bool WritesBackups => false;

    protected override void Process(BackupService backups)
    {
        if (Id is not null) WriteObject(backups.Find(Id));
        else WriteObject(backups.List(), enumerateCollection: true);
    }
}
