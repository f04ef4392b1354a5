using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Imports a seed events.log (JSON Lines).</summary>
/// <remarks>
/// <para>Reads the file line by line and imports every well-formed event with its own actor and timestamp. A malformed
/// line (empty, invalid UTF-8, truncated JSON, a wrong type, a missing field, a timestamp without a zone) is appended
/// to events.error.log, one error event names the lines, a warning says how many, and the rest is imported. An event is
/// identified by its five fields and its occurrence in the file, so importing the same file twice, or a file that grew,
/// adds each event once.</para>
/// </remarks>
/// <example>
/// <code>
/// Import-FastbandEvent -Path ./events.log -Agent importer
/// </code>
/// <para>Imports the seed's log; the result says how many events were imported and how many were already
/// present.</para>
/// </example>
/// <example>
/// <code>
/// Get-ChildItem ./logs -Filter '*.log' | Import-FastbandEvent
/// </code>
/// <para>Imports several files in turn.</para>
/// </example>
[Cmdlet(VerbsData.Import, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(ImportResult))]
public sealed class ImportFastbandEventCommand : FastbandAgentCmdlet
{
    /// <summary>The events.log file to import. Binds the FullName property of piped files (Get-ChildItem).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LiteralPath", "FullName")]
    public string Path { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        string file = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(file, "Import events")) return;
        var result = project.Events.Import(file);
        if (result.Malformed > 0) WriteWarning($"{result.Malformed} malformed line(s) moved to {result.ErrorLog}.");
        WriteObject(result);
    }
}
