using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Snapshots everything uncommitted and HEAD to refs/fastband/snapshots/, touching neither the work tree nor the index.</summary>
[Cmdlet(VerbsCommon.New, "FastbandSnapshot", SupportsShouldProcess = true)]
[OutputType(typeof(GitSnapshot))]
public sealed class NewFastbandSnapshotCommand : FastbandSessionCmdlet
{
    [Parameter(Position = 0)]
    public string? Reason { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess("uncommitted work", "Snapshot")) WriteObject(project.Git.CreateSnapshot(Reason));
    }
}
