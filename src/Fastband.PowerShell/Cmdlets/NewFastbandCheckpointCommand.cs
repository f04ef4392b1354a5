using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Makes a named checkpoint of the current work.</summary>
/// <remarks>
/// <para>Commits outstanding work (as Save-FastbandWork does), tags the commit checkpoint-NAME (annotated, with the
/// description as its message) and records the checkpoint in the store with a copy of your session's saved state at
/// that moment. An existing name is refused (Fastband.CheckpointExists) unless -Force, which moves it to the current
/// work. Restore-FastbandCheckpoint goes back to it.</para>
/// </remarks>
/// <example>
/// <code>
/// New-FastbandCheckpoint -Name before-api -Description 'Before the API work' -Agent James -Session james-1
/// </code>
/// <para>Commits what is outstanding and tags it checkpoint-before-api, recording James's session state with it.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "FastbandCheckpoint", SupportsShouldProcess = true)]
[OutputType(typeof(GitCheckpoint))]
public sealed class NewFastbandCheckpointCommand : FastbandSessionCmdlet
{
    /// <summary>The checkpoint's name; the tag is checkpoint-NAME.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>What the checkpoint marks; the tag's message.</summary>
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
