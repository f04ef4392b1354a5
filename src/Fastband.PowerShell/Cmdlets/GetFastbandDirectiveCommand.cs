using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the latest directive and the holds in force.</summary>
/// <remarks>
/// <para>Replays the holds, clearances and lifts of the directive window (opsLog.directiveWindow, 24 hours by default)
/// in log order and returns the latest directive, the holds still in force and the clearances granted since. Read it
/// before starting work; Test-FastbandCoordination answers for one agent and ticket.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandDirective
/// </code>
/// <para>Shows whether a hold is in force, the latest directive and its author.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandDirective).ActiveHolds | Format-Table Id, IssuedBy, Reason, Agents, Tickets
/// </code>
/// <para>Lists the holds in force with what each one covers.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandDirective")]
[OutputType(typeof(DirectiveStatus))]
public sealed class GetFastbandDirectiveCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Directives.GetStatus());
}
