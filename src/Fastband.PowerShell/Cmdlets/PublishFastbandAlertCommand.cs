using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Alerts;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Delivers the alerts waiting in the outbox now (as 'fastband alerts flush').</summary>
[Cmdlet(VerbsData.Publish, "FastbandAlert", SupportsShouldProcess = true)]
[OutputType(typeof(AlertFlushResult))]
public sealed class PublishFastbandAlertCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Alerts.OutboxDirectory, "Deliver waiting alerts")) WriteObject(project.Alerts.Flush(StopToken));
    }
}
