using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Who leads, in which term, and how long since its last heartbeat; with -History, the terms so far.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandLeader", DefaultParameterSetName = "Current")]
[OutputType(typeof(LeaderStatus), ParameterSetName = new[] { "Current" })]
[OutputType(typeof(LeaderTerm), ParameterSetName = new[] { "History" })]
public sealed class GetFastbandLeaderCommand : FastbandCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "History")]
    public SwitchParameter History { get; set; }

    [Parameter(ParameterSetName = "History")]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (History) WriteObject(project.Leader.Terms(Limit), enumerateCollection: true);
        else WriteObject(project.Leader.Show());
    }
}
