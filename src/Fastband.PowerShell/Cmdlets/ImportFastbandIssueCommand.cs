using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Imports the seed coordination library's issues and fixes.</summary>
/// <remarks>
/// <para>Reads issues/&lt;severity&gt;/*.json and fixes/{proposed,applied}/*.json under the folder: the severity comes
/// from the folder, a fix's status from its folder. A file that is not JSON, has no title, or names an issue or blocker
/// found neither in the store nor in the import is listed in the result's Skipped (with a warning each) and left out.
/// Ids already present are left alone, so importing twice is harmless.</para>
/// </remarks>
/// <example>
/// <code>
/// Import-FastbandIssue -Path ./coordination -Agent importer
/// </code>
/// <para>Imports the seed library's folders; the result counts the issues and fixes added.</para>
/// </example>
[Cmdlet(VerbsData.Import, "FastbandIssue", SupportsShouldProcess = true)]
[OutputType(typeof(IssueImportResult))]
public sealed class ImportFastbandIssueCommand : FastbandAgentCmdlet
{
    /// <summary>The folder that holds issues/ and fixes/.</summary>
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
