using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The caller's cursor into the event log: acknowledged up to which id, and how many events wait.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandEventCursor")]
[OutputType(typeof(EventCursor))]
public sealed class GetFastbandEventCursorCommand : FastbandAgentCmdlet
{
    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) => WriteObject(project.Events.Cursor());
}
