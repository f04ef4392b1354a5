using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Writes communication.md (the last interactions) and archive.md (the older ones), atomically, keeping the
/// previous communication.md as communication.md.bak. With -Watch, writes again whenever new events arrive,
/// until Ctrl+C.
/// </summary>
[Cmdlet(VerbsData.Update, "FastbandSnapshot", SupportsShouldProcess = true)]
[OutputType(typeof(SnapshotResult))]
public sealed class UpdateFastbandSnapshotCommand : FastbandCmdlet
{
    [Parameter]
    public SwitchParameter Watch { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(project.Events.FilesDirectory, Watch ? "Write the snapshot whenever events arrive" : "Write the snapshot")) return;
        if (!Watch)
        {
            WriteObject(project.Events.Snapshot());
            return;
        }
        foreach (var result in project.Events.Watch(StopToken))
        {
            if (result.Error is not null) WriteWarning(result.Error);
            WriteObject(result);
        }
    }
}
