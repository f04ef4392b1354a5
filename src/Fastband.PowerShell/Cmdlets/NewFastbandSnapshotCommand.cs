using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Snapshots everything uncommitted, touching neither the work tree nor the index.</summary>
/// <remarks>
/// <para>Records the work tree (tracked and untracked files, not ignored ones) and the index, with HEAD as parent, as a
/// commit under refs/fastband/snapshots/&lt;id&gt;, through a temporary index file given only to git, and returns the
/// snapshot with the command that restores it. The session state is kept with it when a session is given.</para>
/// </remarks>
/// <example>
/// <code>
/// New-FastbandSnapshot -Reason 'Before trying the refactor' -Agent James
/// </code>
/// <para>Saves the uncommitted work; Restore-FastbandSnapshot puts it back.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "FastbandSnapshot", SupportsShouldProcess = true)]
[OutputType(typeof(GitSnapshot))]
public sealed class NewFastbandSnapshotCommand : FastbandSessionCmdlet
{
    /// <summary>Why the snapshot is taken; listed with it.</summary>
    [Parameter(Position = 0)]
    public string? Reason { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess("uncommitted work", "Snapshot")) WriteObject(project.Git.CreateSnapshot(Reason));
    }
}
