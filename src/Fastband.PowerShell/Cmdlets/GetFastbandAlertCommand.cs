using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Alerts;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the webhook alerts waiting in the outbox, oldest first.</summary>
/// <remarks>
/// <para>Every error event is posted as JSON to each webhook of alerts.webhooks and FASTBAND_ALERT_WEBHOOKS. An alert
/// is first written to .fastband/alerts/outbox/ and delivered in the background; this lists the ones not delivered yet,
/// with their attempts and last error. Webhook URLs are shown as scheme and host only.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandAlert
/// </code>
/// <para>The alerts still waiting to be delivered.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandAlert | Select-Object AlertId, Webhook, Attempts, LastError
/// </code>
/// <para>Why they are waiting.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandAlert")]
[OutputType(typeof(PendingAlert))]
public sealed class GetFastbandAlertCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Alerts.Pending(), enumerateCollection: true);
}
