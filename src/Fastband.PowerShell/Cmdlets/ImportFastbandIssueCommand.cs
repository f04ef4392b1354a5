using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Imports the seed coordination library's issues/&lt;severity&gt;/*.json and fixes/{proposed,applied}/*.json;
/// files that do not parse are listed in the result's Skipped and left out. Importing twice is harmless.
/// </summary>
[Cmdlet(VerbsData.Import, "FastbandIssue", SupportsShouldProcess = true)]
[OutputType(typeof(IssueImportResult))]
public sealed class ImportFastbandIssueCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(path, "Import issues and fixes")) return;
        var result = project.Issues.Import(path);
        foreach (var skipped in result.Skipped) WriteWarning($"Skipped {skipped}");
        WriteObject(result);
    }
}
