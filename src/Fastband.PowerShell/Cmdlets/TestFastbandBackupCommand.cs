using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Backup;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Verifies a backup.</summary>
/// <remarks>
/// <para>Checks every archive's checksum against the manifest, reads every archive end to end, and restores the
/// database dump into a scratch database (a temporary SQLite file, PostgreSQL database or MySQL schema) that is dropped
/// afterwards. Returns the checks; Ok is $false when any of them fails. It changes nothing in the project.</para>
/// </remarks>
/// <example>
/// <code>
/// Test-FastbandBackup
/// </code>
/// <para>Verifies the newest backup.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandBackup | Test-FastbandBackup | Where-Object Ok -eq $false
/// </code>
/// <para>Verifies every backup and shows the ones that fail.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "FastbandBackup")]
[OutputType(typeof(VerifyResult))]
public sealed class TestFastbandBackupCommand : FastbandBackupCmdlet
{
    /// <summary>The backup id or name, or 'latest' (the default). Binds the Id property of piped backups.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.BackupIdCompleter))]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    public string BackupId { get; set; } = "latest";

    protected override bool WritesBackups => false;

    protected override void Process(BackupService backups) => WriteObject(backups.Verify(BackupId, cancellation: StopToken));
}
