using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Backs up the project (code, config, data, the database, git) into .fastband/backups/. Skipped, with the
/// reason, when nothing changed since the last backup unless -Force. Blocked (ResourceBusy) while another
/// backup or restore runs.
/// </summary>
[Cmdlet(VerbsCommon.New, "FastbandBackup", SupportsShouldProcess = true)]
[OutputType(typeof(BackupResult))]
public sealed class NewFastbandBackupCommand : FastbandAgentCmdlet
{
    /// <summary>daily, weekly or manual (default manual).</summary>
    [Parameter(Position = 0)]
    [ValidateSet("daily", "weekly", "manual")]
    public string Type { get; set; } = BackupTypes.Manual;

    /// <summary>A name to find the backup by.</summary>
    [Parameter]
    public string? Name { get; set; }

    /// <summary>Back up even when nothing changed since the last backup.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The components to back up (default: those enabled in backup_config.yaml).</summary>
    [Parameter]
    [ValidateSet("code", "config", "data", "database", "git")]
    public string[]? Component { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(project.Backups.BackupsDirectory, $"Create a {Type} backup")) return;
        var request = new BackupRequest { Type = Type, Name = Name, Force = Force, Components = Component };
        WriteObject(BackupProgressPump.Run(this, progress => project.Backups.Create(request, progress, StopToken)));
    }
}
