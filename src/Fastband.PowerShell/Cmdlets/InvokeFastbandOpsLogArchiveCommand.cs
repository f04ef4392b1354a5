using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Moves old Agent Ops Log entries into daily archive files.</summary>
/// <remarks>
/// <para>Moves the entries older than the retention period (opsLog.retentionDays, 30 days by default) out of the store
/// into .fastband/agent_ops/archive/YYYY-MM-DD.jsonl, one JSON line per entry, and returns how many moved and into
/// which files. Get-FastbandOpsLog -IncludeArchive reads them back. The same check also runs on every 500th
/// write.</para>
/// </remarks>
/// <example>
/// <code>
/// Invoke-FastbandOpsLogArchive
/// </code>
/// <para>Archives the entries older than the configured retention period.</para>
/// </example>
/// <example>
/// <code>
/// Invoke-FastbandOpsLogArchive -OlderThan '7d' -WhatIf
/// </code>
/// <para>Shows which folder would receive the entries older than seven days, and moves nothing.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "FastbandOpsLogArchive", SupportsShouldProcess = true)]
[OutputType(typeof(ArchiveResult))]
public sealed class InvokeFastbandOpsLogArchiveCommand : FastbandCmdlet
{
    /// <summary>Move the entries older than this ('7d', a [timespan], or seconds) instead of the configured retention
    /// period.</summary>
    [Parameter]
    public DurationValue? OlderThan { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.OpsLog.ArchiveDirectory, "Archive old ops log entries"))
            WriteObject(project.OpsLog.Archive(OlderThan?.Value));
    }
}
