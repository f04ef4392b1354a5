using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Imports a seed events.log (JSON Lines). Malformed lines go to events.error.log and an error event names them;
/// the rest is imported. Importing the same file twice adds nothing twice.
/// </summary>
[Cmdlet(VerbsData.Import, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(ImportResult))]
public sealed class ImportFastbandEventCommand : FastbandAgentCmdlet
{
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
