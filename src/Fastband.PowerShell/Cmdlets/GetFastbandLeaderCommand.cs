using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Leader;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets who leads, in which term, and how long since its last heartbeat.</summary>
/// <remarks>
/// <para>Returns one LeaderStatus: whether there is a live leader, its name, host and term, when the term started, the
/// heartbeat age and when the leader lease expires. With -History it returns the terms so far instead, newest first,
/// each with how it ended.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandLeader
/// </code>
/// <para>Who leads now.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandLeader -History -Limit 5
/// </code>
/// <para>The last five terms.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandLeader", DefaultParameterSetName = "Current")]
[OutputType(typeof(LeaderStatus), ParameterSetName = new[] { "Current" })]
[OutputType(typeof(LeaderTerm), ParameterSetName = new[] { "History" })]
public sealed class GetFastbandLeaderCommand : FastbandCmdlet
{
    /// <summary>Return the leader terms so far instead of the current leader.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "History")]
    public SwitchParameter History { get; set; }

    /// <summary>With -History: at most this many terms, newest first. Default: every term (0).</summary>
    [Parameter(ParameterSetName = "History")]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (History) WriteObject(project.Leader.Terms(Limit), enumerateCollection: true);
        else WriteObject(project.Leader.Show());
    }
}
