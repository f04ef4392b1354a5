using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Setup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Removes this project's backup schedule from this machine, and nothing else.</summary>
/// <remarks>
/// <para>Removes what Initialize-FastbandProject -Schedule installed for this project: its crontab line (every other
/// line stays), its systemd user timer and service (disabled first when a user manager is reachable), its Windows
/// scheduled task and script. Returns the ScheduleReport of what was removed; -WhatIf says what would be.</para>
/// </remarks>
/// <example>
/// <code>
/// Remove-FastbandBackupSchedule
/// </code>
/// <para>Stops the scheduled backups of the current project.</para>
/// </example>
/// <example>
/// <code>
/// Remove-FastbandBackupSchedule -Project ~/src/app -WhatIf
/// </code>
/// <para>Shows what would be removed for another project.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "FastbandBackupSchedule", SupportsShouldProcess = true)]
[OutputType(typeof(ScheduleReport))]
public sealed class RemoveFastbandBackupScheduleCommand : FastbandCmdlet
{
    private protected override void Run()
    {
        var options = SessionOptions();
        string root = ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory);
        bool dryRun = !ShouldProcess(root, "Remove the project's backup schedule from this machine");
        WriteObject(new BackupScheduler(root).Remove(dryRun));
    }

    protected override void Process(FastbandProject project) => throw new InvalidOperationException("unused: Run opens nothing");
}
