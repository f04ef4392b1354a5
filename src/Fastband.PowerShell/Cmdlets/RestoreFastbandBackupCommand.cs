using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Restores a backup: verified first, extracted into staging (hostile entries refused), destination checked,
/// a safety backup of what is overwritten taken, then swapped in. -WhatIf runs a dry run and writes what
/// would change. Takes Get-FastbandBackup's objects from the pipeline.
/// </summary>
[Cmdlet(VerbsData.Restore, "FastbandBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreFastbandBackupCommand : FastbandAgentCmdlet
{
    /// <summary>The backup id or name, or 'latest'.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.BackupIdCompleter))]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string BackupId { get; set; } = "";

    /// <summary>The components to restore (default: all the backup holds).</summary>
    [Parameter]
    [ValidateSet("code", "config", "data", "database", "git")]
    public string[]? Component { get; set; }

    /// <summary>Restore into this folder instead of the project.</summary>
    [Parameter]
    public string? Destination { get; set; }

    protected override void Process(FastbandProject project)
    {
        string? destination = Destination is null ? null : GetUnresolvedProviderPathFromPSPath(Destination);
        var request = new RestoreRequest { BackupId = BackupId, Components = Component, Destination = destination };
        string target = destination ?? project.Root;
        if (ShouldProcess($"Restore backup {BackupId} into {target}", $"Restore backup {BackupId} into {target}, overwriting files there (a safety backup is taken first)?", "Restore-FastbandBackup", out var reason))
        {
            WriteObject(BackupProgressPump.Run(this, progress => project.Backups.Restore(request, progress, StopToken)));
        }
        else if (reason == ShouldProcessReason.WhatIf)
        {
            WriteObject(project.Backups.Restore(request with { DryRun = true }, null, StopToken));
        }
    }
}
