using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the complete backups, newest first.</summary>
/// <remarks>
/// <para>Lists every complete backup with its type, time, size and why retention keeps it (RetentionReason). With -Id
/// it returns one backup, found by id or name, or the newest with 'latest'; an unknown one is an error. The objects
/// pipe into Restore-FastbandBackup and Test-FastbandBackup.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandBackup
/// </code>
/// <para>Every backup, newest first.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandBackup -Id latest | Test-FastbandBackup
/// </code>
/// <para>Verifies the newest backup.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandBackup")]
[OutputType(typeof(BackupInfo))]
public sealed class GetFastbandBackupCommand : FastbandBackupCmdlet
{
    /// <summary>A backup id or name, or 'latest'. Default: list them all.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.BackupIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    protected override bool WritesBackups => false;

    protected override void Process(BackupService backups)
    {
        if (Id is not null) WriteObject(backups.Find(Id));
        else WriteObject(backups.List(), enumerateCollection: true);
    }
}
