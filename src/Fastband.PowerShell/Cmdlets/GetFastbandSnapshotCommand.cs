using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The snapshots taken before restores (and by New-FastbandSnapshot), newest first; -Id picks one.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandSnapshot")]
[OutputType(typeof(GitSnapshot))]
public sealed class GetFastbandSnapshotCommand : FastbandCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.SnapshotIdCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    protected override void Process(FastbandProject project)
    {
        var pattern = Id is null ? null : new WildcardPattern(Id, WildcardOptions.IgnoreCase);
        WriteObject(project.Git.ListSnapshots().Where(s => pattern is null || pattern.IsMatch(s.Id)), enumerateCollection: true);
    }
}
