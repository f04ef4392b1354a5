using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the checkpoints, newest first.</summary>
/// <remarks>
/// <para>Lists the checkpoints (the tags checkpoint-*) with their commit, description, agent, time and whether a
/// session state was recorded with them. -Name picks by name (without the checkpoint- prefix); wildcards are allowed.
/// The objects pipe into Restore-FastbandCheckpoint.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandCheckpoint
/// </code>
/// <para>Every checkpoint, newest first.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandCheckpoint -Name 'before-*'
/// </code>
/// <para>The checkpoints whose names start with before-.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandCheckpoint")]
[OutputType(typeof(GitCheckpoint))]
public sealed class GetFastbandCheckpointCommand : FastbandCmdlet
{
    /// <summary>Only the checkpoints whose name matches (without the checkpoint- prefix); wildcards are
    /// allowed.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.CheckpointNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void Process(FastbandProject project)
    {
        var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        WriteObject(project.Git.ListCheckpoints().Where(c => pattern is null || pattern.IsMatch(c.Name)), enumerateCollection: true);
    }
}
