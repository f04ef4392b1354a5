using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the audit trail of issues and fixes, oldest first.</summary>
/// <remarks>
/// <para>Every create, claim, release, submit, apply and reject is recorded with its time, agent, action, success,
/// message and ids, and so is every refusal caused by the state (a claim on a taken issue, a release by a non-holder, a
/// hold). Returns the entries that match every filter given, oldest first.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandAudit -Since '1d' -Agent bob
/// </code>
/// <para>What bob did with issues and fixes in the last day.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandAudit -IssueId issue_001 | Format-Table Timestamp, Agent, Action, Success, Message
/// </code>
/// <para>The history of issue_001.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandAudit")]
[OutputType(typeof(AuditEntry))]
public sealed class GetFastbandAuditCommand : FastbandCmdlet
{
    /// <summary>Only entries at or after this time: a duration back from now ('30m', '1h', '2d'; quote it), a
    /// timestamp, or a [datetime].</summary>
    [Parameter(Position = 0)]
    public PointInTime? Since { get; set; }

    /// <summary>Only entries by this agent.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string? Agent { get; set; }

    /// <summary>Only entries about this issue. Binds the IssueId property of piped objects.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    public string? IssueId { get; set; }

    /// <summary>At most this many entries (0: no limit).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override void Process(FastbandProject project)
    {
        var query = new AuditQuery { Since = Since?.Resolve(project.Clock.GetUtcNow()), Agent = Agent, IssueId = IssueId, Limit = Limit };
        foreach (var entry in project.Issues.Audit(query)) WriteObject(entry);
    }
}
