using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Verifies a backup: every archive's checksum against the manifest, every archive read end to end, and the
/// database dump restored into a scratch database. The result's Ok is false when any check fails.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FastbandBackup")]
[OutputType(typeof(VerifyResult))]
public sealed class TestFastbandBackupCommand : FastbandCmdlet
{
    /// <summary>The backup id or name, or 'latest' (the default).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.BackupIdCompleter))]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string BackupId { get; set; } = "latest";

    protected override void Process(FastbandProject project) => WriteObject(project.Backups.Verify(BackupId, cancellation: StopToken));
}
