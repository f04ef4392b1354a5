using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The checkpoints (tags checkpoint-*), newest first; -Name picks one (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "FastbandCheckpoint")]
[OutputType(typeof(GitCheckpoint))]
public sealed class GetFastbandCheckpointCommand : FastbandCmdlet
{
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
