using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Resigns leadership at once: the next campaign wins the next term without waiting for the timeout.</summary>
[Cmdlet(VerbsCommon.Exit, "FastbandLeadership", SupportsShouldProcess = true)]
[OutputType(typeof(LeaderStatus))]
public sealed class ExitFastbandLeadershipCommand : FastbandAgentCmdlet
{
    /// <summary>Your term (recommended): refused (Fastband.StaleTerm) if it is not current.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, long.MaxValue)]
    public long? Term { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, "Resign leadership")) WriteObject(project.Leader.Resign(Term));
    }
}
