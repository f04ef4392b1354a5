using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Git;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the snapshots, newest first.</summary>
/// <remarks>
/// <para>Lists the snapshots under refs/fastband/snapshots/ (those taken before restores and by New-FastbandSnapshot)
/// with their time, agent, reason and restore command. -Id picks by id; wildcards are allowed. The objects pipe into
/// Restore-FastbandSnapshot.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandSnapshot
/// </code>
/// <para>Every snapshot, newest first.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandSnapshot -Id '20261121-*'
/// </code>
/// <para>The snapshots of one day.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandSnapshot")]
[OutputType(typeof(GitSnapshot))]
public sealed class GetFastbandSnapshotCommand : FastbandCmdlet
{
    /// <summary>Only the snapshots whose id matches; wildcards are allowed.</summary>
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
