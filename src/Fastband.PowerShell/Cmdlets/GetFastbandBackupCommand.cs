using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Lists complete backups, newest first, each with why retention keeps it; -Id finds one (or 'latest').</summary>
[Cmdlet(VerbsCommon.Get, "FastbandBackup")]
[OutputType(typeof(BackupInfo))]
public sealed class GetFastbandBackupCommand : FastbandCmdlet
{
    /// <summary>A backup id or name, or 'latest'.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.BackupIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (Id is not null) WriteObject(project.Backups.Find(Id));
        else WriteObject(project.Backups.List(), enumerateCollection: true);
    }
}
