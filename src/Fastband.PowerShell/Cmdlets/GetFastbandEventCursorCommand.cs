using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the caller's cursor into the event log.</summary>
/// <remarks>
/// <para>Returns the id up to which the caller has acknowledged events, that event's interaction, how many events wait
/// after it, and the checkpoint file that mirrors it. It changes nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandEventCursor -Agent AgentB
/// </code>
/// <para>Where AgentB stands and how many events wait for it.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandEventCursor")]
[OutputType(typeof(EventCursor))]
public sealed class GetFastbandEventCursorCommand : FastbandAgentCmdlet
{
    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project) => WriteObject(project.Events.Cursor());
}
