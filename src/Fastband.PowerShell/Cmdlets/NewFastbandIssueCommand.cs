using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Creates an issue.</summary>
/// <remarks>
/// <para>Creates an issue with the status new and returns it. The id is the next issue_NNN unless -Id gives one (ids
/// are case-insensitive; a taken id is refused). An invalid severity or an unknown blocker is refused and nothing is
/// written. An issue with blockers becomes ready to claim only when every one of them is resolved. Objects with
/// matching properties (Title, Severity, Description, Files, BlockedBy, Id) can be piped in to create several.</para>
/// </remarks>
/// <example>
/// <code>
/// New-FastbandIssue -Title 'Header misaligned' -Severity high -Files base.html, site.css -Agent alice
/// </code>
/// <para>Creates issue_001 (or the next free id) as alice.</para>
/// </example>
/// <example>
/// <code>
/// New-FastbandIssue -Title 'Footer follows the header' -BlockedBy issue_001 -Agent alice
/// </code>
/// <para>An issue that becomes ready once issue_001 is resolved.</para>
/// </example>
/// <example>
/// <code>
/// Import-Csv ./issues.csv | New-FastbandIssue
/// </code>
/// <para>Creates one issue per row of a CSV with Title and Severity columns.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "FastbandIssue", SupportsShouldProcess = true)]
[OutputType(typeof(Issue))]
public sealed class NewFastbandIssueCommand : FastbandAgentCmdlet
{
    /// <summary>The issue's title.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Title { get; set; } = "";

    /// <summary>critical, high, medium or low. Default medium.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet(IssueSeverity.Critical, IssueSeverity.High, IssueSeverity.Medium, IssueSeverity.Low)]
    public string Severity { get; set; } = IssueSeverity.Medium;

    /// <summary>What is wrong, in more words.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Description { get; set; }

    /// <summary>The files involved.</summary>
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
