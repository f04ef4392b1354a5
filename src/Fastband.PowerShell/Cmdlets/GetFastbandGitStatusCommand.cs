using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the repository's state: branch, changes, recent commits with their agents, checkpoints and
/// snapshots.</summary>
/// <remarks>
/// <para>Returns one GitStatus: the branch and upstream (ahead, behind), the uncommitted changes, the recent commits
/// with the agent of each (from its Agent: trailer), the checkpoints and the snapshots. Every git read runs with
/// --no-optional-locks, so it never takes index.lock.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandGitStatus
/// </code>
/// <para>The state of the repository.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandGitStatus -Commits 30).RecentCommits | Where-Object Agent -eq 'James'
/// </code>
/// <para>James's commits among the last thirty.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandGitStatus")]
[OutputType(typeof(GitStatus))]
public sealed class GetFastbandGitStatusCommand : FastbandCmdlet
{
    /// <summary>How many recent commits to include. Default 10.</summary>
    [Parameter]
    [ValidateRange(0, 10000)]
    public int Commits { get; set; } = GitService.DefaultRecentCommits;

    protected override void Process(FastbandProject project) => WriteObject(project.Git.Status(Commits));
}
