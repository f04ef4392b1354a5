using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Proposes a fix for an issue the caller holds.</summary>
/// <remarks>
/// <para>Records a proposed fix (Submit: present it for approval) for an issue that the caller has claimed, and the
/// issue becomes fix_proposed. Another agent then applies it with Approve-FastbandFix or rejects it with
/// Deny-FastbandFix. An issue held by another agent is refused, naming the holder; an unknown issue is not found. The
/// id is the next fix_NNN unless -FixId gives one.</para>
/// </remarks>
/// <example>
/// <code>
/// Submit-FastbandFix -IssueId issue_001 -Title 'Use flexbox' -Approach 'flex instead of floats' -Files site.css -Lines 10-20 -Tested -TestNotes 'three pages' -Agent bob
/// </code>
/// <para>bob proposes a tested fix for issue_001.</para>
/// </example>
/// <example>
/// <code>
/// Submit-FastbandFix -IssueId $claim.Id -Title 'Escape titles' -Approach 'HTML-encode on output' -ClaimToken $claim.ClaimToken -Agent bob
/// </code>
/// <para>Proposes a fix only if bob's claim is still the one in $claim.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Submit, "FastbandFix", SupportsShouldProcess = true)]
[OutputType(typeof(Fix))]
public sealed class SubmitFastbandFixCommand : FastbandAgentCmdlet
{
    /// <summary>The issue the fix is for. Binds the IssueId property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.IssueIdCompleter))]
    public string IssueId { get; set; } = "";

    /// <summary>The fix in a few words.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Title { get; set; } = "";

    /// <summary>How the fix works.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string Approach { get; set; } = "";

    /// <summary>The files the fix changes.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? Files { get; set; }

    /// <summary>The lines it changes, e.g. 10-20.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Lines { get; set; }

    /// <summary>The fix was tested.</summary>
    [Parameter]
    public SwitchParameter Tested { get; set; }

    /// <summary>How it was tested.</summary>
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
