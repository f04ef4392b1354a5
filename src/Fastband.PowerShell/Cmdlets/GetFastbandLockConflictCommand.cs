using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Who holds what you want: nothing is written when the paths are free.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandLockConflict")]
[OutputType(typeof(LockConflict))]
public sealed class GetFastbandLockConflictCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter Shared { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project)
    {
        foreach (var c in project.Locks.Check(Path, Shared)) WriteObject(c);
    }
}
