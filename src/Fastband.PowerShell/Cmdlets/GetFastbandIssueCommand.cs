using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets issues, most severe first, then oldest.</summary>
/// <remarks>
/// <para>Lists the unresolved issues (with -All the resolved ones too) that match every filter given, most severe
/// first, then oldest. -Available (alias -Ready) lists what is ready to claim: unclaimed and not blocked by an
/// unresolved issue; its output pipes into Lock-FastbandIssue. With -Id it returns one issue.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandIssue -Available | Select-Object -First 1 | Lock-FastbandIssue -Agent bob
/// </code>
/// <para>Claims the most urgent issue that is ready.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandIssue -Mine -Agent bob
/// </code>
/// <para>The issues bob holds.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandIssue -Id issue_001
/// </code>
/// <para>One issue with its status, holder and blockers.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandIssue", DefaultParameterSetName = "List")]
[OutputType(typeof(Issue))]
public sealed class GetFastbandIssueCommand : FastbandAgentCmdlet
{
    /// <summary>The issue to get, e.g. issue_001. Binds the Id or IssueId property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Id")]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    [Alias("IssueId")]
    public string Id { get; set; } = "";

    /// <summary>Only issues ready to claim: unclaimed and not blocked by an unresolved issue.</summary>
    [Parameter(ParameterSetName = "List")]
    [Alias("Ready")]
    public SwitchParameter Available { get; set; }

    /// <summary>Only issues in this status: new, in_progress, fix_proposed or resolved.</summary>
    [Parameter(ParameterSetName = "List")]
    [ValidateSet(IssueStatus.New, IssueStatus.InProgress, IssueStatus.FixProposed, IssueStatus.Resolved)]
    public string? Status { get; set; }

    /// <summary>Only issues of this severity: critical, high, medium or low.</summary>
    [Parameter(ParameterSetName = "List")]
    [ValidateSet(IssueSeverity.Critical, IssueSeverity.High, IssueSeverity.Medium, IssueSeverity.Low)]
    public string? Severity { get; set; }

    /// <summary>Only the issues the caller holds.</summary>
    [Parameter(ParameterSetName = "List")]
    public SwitchParameter Mine { get; set; }

    /// <summary>Include resolved issues.</summary>
    [Parameter(ParameterSetName = "List")]
    public SwitchParameter All { get; set; }

    /// <summary>At most this many issues (0: no limit).</summary>
    [Parameter(ParameterSetName = "List")]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override bool WritesAsAgent => false;

    protected override void Process(FastbandProject project)
    {
        if (ParameterSetName == "Id")
        {
            WriteObject(project.Issues.Get(Id));
            return;
        }
        var list = project.Issues.List(new IssueQuery
        {
            AvailableOnly = Available, Status = Status, Severity = Severity, AssignedTo = Mine ? project.Caller.Agent : null,
            IncludeResolved = All, Limit = Limit,
        });
        foreach (var issue in list) WriteObject(issue);
    }
}
