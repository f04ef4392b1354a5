using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Moves entries older than the retention period (30 days) into daily JSONL files under .fastband/agent_ops/archive/.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "FastbandOpsLogArchive", SupportsShouldProcess = true)]
[OutputType(typeof(ArchiveResult))]
public sealed class InvokeFastbandOpsLogArchiveCommand : FastbandCmdlet
{
    /// <summary>Move entries older than this instead of the configured retention period.</summary>
    [Parameter]
    public DurationValue? OlderThan { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.OpsLog.ArchiveDirectory, "Archive old ops log entries"))
            WriteObject(project.OpsLog.Archive(OlderThan?.Value));
    }
}
