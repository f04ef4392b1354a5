using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Proposes ("presents for approval") a fix for an issue the caller holds; another agent applies or rejects it.</summary>
[Cmdlet(VerbsLifecycle.Submit, "FastbandFix", SupportsShouldProcess = true)]
[OutputType(typeof(Fix))]
public sealed class SubmitFastbandFixCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    public string IssueId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Title { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Approach { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Files { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Lines { get; set; }

    [Parameter]
    public SwitchParameter Tested { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? TestNotes { get; set; }

    /// <summary>Your claim token: the fix is refused if your claim has changed hands since.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public long? ClaimToken { get; set; }

    /// <summary>The id to use; default the next fix_NNN.</summary>
    [Parameter]
    public string? FixId { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(IssueId, "Propose fix")) return;
        WriteObject(project.Issues.Submit(new NewFix
        {
            Id = FixId, IssueId = IssueId, Title = Title, Approach = Approach, Files = Files ?? Array.Empty<string>(),
            Lines = Lines, Tested = Tested, TestNotes = TestNotes, ClaimToken = ClaimToken,
        }));
    }
}
