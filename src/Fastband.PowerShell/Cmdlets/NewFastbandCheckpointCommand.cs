using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Commits outstanding work, tags it checkpoint-NAME (annotated, with the description) and records it with your
/// session's saved state. An existing name is refused (Fastband.CheckpointExists) unless -Force.
/// </summary>
[Cmdlet(VerbsCommon.New, "FastbandCheckpoint", SupportsShouldProcess = true)]
[OutputType(typeof(GitCheckpoint))]
public sealed class NewFastbandCheckpointCommand : FastbandSessionCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Position = 1)]
    public string? Description { get; set; }

    /// <summary>Move an existing checkpoint of this name to the current work.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess($"checkpoint-{Name}", "Commit outstanding work and tag it"))
            WriteObject(project.Git.CreateCheckpoint(Name, Description, Force));
    }
}
