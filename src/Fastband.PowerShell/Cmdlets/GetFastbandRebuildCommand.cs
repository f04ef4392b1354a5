using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Rebuilds in progress; with -All, recent completed and timed-out ones too.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandRebuild")]
[OutputType(typeof(RebuildStatus))]
public sealed class GetFastbandRebuildCommand : FastbandCmdlet
{
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void Process(FastbandProject project)
    {
        foreach (var r in All ? project.Rebuilds.List() : project.Rebuilds.InProgress()) WriteObject(r);
    }
}
