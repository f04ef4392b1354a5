using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Prunes: removes the daily and weekly backups beyond daily_retention and weekly_retention; manual ones are
/// never pruned. ("Limit" is the approved verb for applying a constraint to a resource: here the retention
/// limits; "Remove" would suggest deleting the backups one names.) -WhatIf writes the dry run.
/// </summary>
[Cmdlet(VerbsData.Limit, "FastbandBackup", SupportsShouldProcess = true)]
[OutputType(typeof(PruneResult))]
public sealed class LimitFastbandBackupCommand : FastbandBackupCmdlet
{
    protected override void Process(BackupService backups)
    {
        string dir = backups.BackupsDirectory;
        if (ShouldProcess($"Remove backups beyond their retention in {dir}", $"Remove the backups beyond their retention in {dir}?", "Limit-FastbandBackup", out var reason))
            WriteObject(backups.Prune(dryRun: false));
        else if (reason == ShouldProcessReason.WhatIf)
            WriteObject(backups.Prune(dryRun: true));
    }
}
