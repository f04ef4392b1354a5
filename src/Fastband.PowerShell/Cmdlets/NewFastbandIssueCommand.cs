using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Creates an issue; an invalid severity or an unknown blocker is refused and nothing is written.</summary>
[Cmdlet(VerbsCommon.New, "FastbandIssue", SupportsShouldProcess = true)]
[OutputType(typeof(Issue))]
public sealed class NewFastbandIssueCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Title { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet(IssueSeverity.Critical, IssueSeverity.High, IssueSeverity.Medium, IssueSeverity.Low)]
    public string Severity { get; set; } = IssueSeverity.Medium;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Description { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Files { get; set; }

    /// <summary>Issues that must be resolved before this one is ready.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    public string[]? BlockedBy { get; set; }

    /// <summary>The id to use; default the next issue_NNN.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("IssueId")]
    public string? Id { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id ?? Title, "Create issue"))
            WriteObject(project.Issues.Create(Title, Severity, Description, Files, BlockedBy, Id));
    }
}
