using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Alerts;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The webhook alerts waiting in the outbox (not delivered yet), oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandAlert")]
[OutputType(typeof(PendingAlert))]
public sealed class GetFastbandAlertCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Alerts.Pending(), enumerateCollection: true);
}
