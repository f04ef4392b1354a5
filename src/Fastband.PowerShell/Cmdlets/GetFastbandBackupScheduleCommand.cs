using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Setup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets this project's backup schedule on this machine: its crontab line, systemd units or Windows task script.</summary>
/// <remarks>
/// <para>Returns one ScheduleReport whose Entries are what Initialize-FastbandProject -Schedule installed for this
/// project (each with its Path and Content); none when no schedule is installed. Neither the store nor anything else
/// is opened or changed.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandBackupSchedule
/// </code>
/// <para>Shows the schedule of the current project.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandBackupSchedule -Project ~/src/app).Entries | Format-List Path, Content
/// </code>
/// <para>Shows the crontab line or unit files of another project.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandBackupSchedule")]
[OutputType(typeof(ScheduleReport))]
public sealed class GetFastbandBackupScheduleCommand : FastbandCmdlet
{
    private protected override void Run()
    {
        var options = SessionOptions();
        WriteObject(new BackupScheduler(ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory)).Show());
    }

    protected override void Process(FastbandProject project) => throw new InvalidOperationException("unused: Run opens nothing");
}
