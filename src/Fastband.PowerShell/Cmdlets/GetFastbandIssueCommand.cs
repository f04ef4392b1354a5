using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Lists issues, most severe first, then oldest; -Available (alias -Ready) lists what is ready to claim, and
/// pipes into Lock-FastbandIssue: <c>Get-FastbandIssue -Available | Select-Object -First 1 | Lock-FastbandIssue</c>.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FastbandIssue", DefaultParameterSetName = "List")]
[OutputType(typeof(Issue))]
public sealed class GetFastbandIssueCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Id")]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    [Alias("IssueId")]
    public string Id { get; set; } = "";

    /// <summary>Only issues ready to claim: unclaimed and not blocked by an unresolved issue.</summary>
    [Parameter(ParameterSetName = "List")]
    [Alias("Ready")]
    public SwitchParameter Available { get; set; }

    [Parameter(ParameterSetName = "List")]
    [ValidateSet(IssueStatus.New, IssueStatus.InProgress, IssueStatus.FixProposed, IssueStatus.Resolved)]
    public string? Status { get; set; }

    [Parameter(ParameterSetName = "List")]
    [ValidateSet(IssueSeverity.Critical, IssueSeverity.High, IssueSeverity.Medium, IssueSeverity.Low)]
    public string? Severity { get; set; }

    /// <summary>Only the issues the caller holds.</summary>
    [Parameter(ParameterSetName = "List")]
    public SwitchParameter Mine { get; set; }

    /// <summary>Include resolved issues.</summary>
    [Parameter(ParameterSetName = "List")]
    public SwitchParameter All { get; set; }

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
