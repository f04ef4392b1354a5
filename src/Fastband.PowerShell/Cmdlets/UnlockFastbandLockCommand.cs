using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Breaks other agents' locks on a path: recorded in the ops log, the holder is sent a message, and a new
/// fencing token is issued so the old holder's token no longer validates.
/// </summary>
[Cmdlet(VerbsCommon.Unlock, "FastbandLock", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(BreakResult))]
public sealed class UnlockFastbandLockCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LockedPathCompleter))]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true)]
    public string Reason { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Path, "Break other agents' locks")) WriteObject(project.Locks.Break(Path, Reason));
    }
}
