using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the rebuilds in progress.</summary>
/// <remarks>
/// <para>Returns each container whose latest rebuild was requested and neither completed nor timed out
/// (opsLog.rebuildTimeout, 30 minutes). With -All, recent completed and timed-out rebuilds are listed too.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandRebuild
/// </code>
/// <para>The rebuilds that block other agents now.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandRebuild -All | Format-Table Container, RequestedBy, InProgress, CompletedAt, TimedOut
/// </code>
/// <para>Every recent rebuild and how it ended.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandRebuild")]
[OutputType(typeof(RebuildStatus))]
public sealed class GetFastbandRebuildCommand : FastbandCmdlet
{
    /// <summary>Also list the recent completed and timed-out rebuilds.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void Process(FastbandProject project)
    {
        foreach (var r in All ? project.Rebuilds.List() : project.Rebuilds.InProgress()) WriteObject(r);
    }
}
