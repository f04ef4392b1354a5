using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Branch, uncommitted changes, recent commits with their agents, checkpoints and snapshots; never takes index.lock.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandGitStatus")]
[OutputType(typeof(GitStatus))]
public sealed class GetFastbandGitStatusCommand : FastbandCmdlet
{
    /// <summary>How many recent commits to include.</summary>
    [Parameter]
    [ValidateRange(0, 10000)]
    public int Commits { get; set; } = GitService.DefaultRecentCommits;

    protected override void Process(FastbandProject project) => WriteObject(project.Git.Status(Commits));
}
