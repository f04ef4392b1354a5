using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The audit trail of issues and fixes, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandAudit")]
[OutputType(typeof(AuditEntry))]
public sealed class GetFastbandAuditCommand : FastbandCmdlet
{
    /// <summary>A duration back from now (30m, 1h, 2d), a timestamp, or a [datetime].</summary>
    [Parameter(Position = 0)]
    public PointInTime? Since { get; set; }

    /// <summary>Only entries by this agent.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string? Agent { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    public string? IssueId { get; set; }

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override void Process(FastbandProject project)
    {
        var query = new AuditQuery { Since = Since?.Resolve(project.Clock.GetUtcNow()), Agent = Agent, IssueId = IssueId, Limit = Limit };
        foreach (var entry in project.Issues.Audit(query)) WriteObject(entry);
    }
}
