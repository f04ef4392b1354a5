using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Applies (approves) a proposed fix: the caller joins its verifiers and its issue is resolved. Takes Get-FastbandFix's objects.</summary>
[Cmdlet(VerbsLifecycle.Approve, "FastbandFix", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Fix))]
public sealed class ApproveFastbandFixCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.FixIdCompleter))]
    [Alias("FixId")]
    public string Id { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Id, "Apply fix")) WriteObject(project.Issues.Apply(Id));
    }
}
