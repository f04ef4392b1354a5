using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Prunes the daily and weekly backups beyond their retention.</summary>
/// <remarks>
/// <para>Removes the daily backups beyond daily_retention (7) and the weekly ones beyond weekly_retention (4), as set
/// in backup_config.yaml; manual backups are never pruned. Returns what was removed and what was kept. With -WhatIf it
/// runs a dry run instead: it removes nothing and returns what it would remove.</para>
/// <para>Limit is the approved verb for applying a constraint to a resource (here the retention limits); Remove would
/// suggest deleting the backups one names.</para>
/// </remarks>
/// <example>
/// <code>
/// Limit-FastbandBackup -WhatIf
/// </code>
/// <para>Lists the backups that pruning would remove.</para>
/// </example>
/// <example>
/// <code>
/// Limit-FastbandBackup -Agent ops
/// </code>
/// <para>Removes them.</para>
/// </example>
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
