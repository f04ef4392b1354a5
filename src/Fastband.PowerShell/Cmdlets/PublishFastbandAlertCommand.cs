using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Alerts;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Delivers the alerts waiting in the outbox now.</summary>
/// <remarks>
/// <para>Tries to deliver every alert waiting in .fastband/alerts/outbox/ to its webhook (with the configured timeout
/// and retries), as 'fastband alerts flush' does, and returns how many were delivered and how many still wait. Delivery
/// is at least once: receivers dedupe on alertId.</para>
/// </remarks>
/// <example>
/// <code>
/// Publish-FastbandAlert
/// </code>
/// <para>Delivers what waits now.</para>
/// </example>
[Cmdlet(VerbsData.Publish, "FastbandAlert", SupportsShouldProcess = true)]
[OutputType(typeof(AlertFlushResult))]
public sealed class PublishFastbandAlertCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Alerts.OutboxDirectory, "Deliver waiting alerts")) WriteObject(project.Alerts.Flush(StopToken));
    }
}
