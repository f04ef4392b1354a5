using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Exports events in the seed's events.log format (JSON Lines, oldest first); the file is replaced atomically.</summary>
[Cmdlet(VerbsData.Export, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(ExportResult))]
public sealed class ExportFastbandEventCommand : FastbandCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("PSPath", "LiteralPath")]
    public string Path { get; set; } = "";

    /// <summary>Only this interaction.</summary>
    [Parameter]
    public long? Interaction { get; set; }

    protected override void Process(FastbandProject project)
    {
        string file = GetUnresolvedProviderPathFromPSPath(Path);
        if (ShouldProcess(file, "Export events")) WriteObject(project.Events.Export(file, new EventQuery { Interaction = Interaction }));
    }
}
