using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Exports events in the seed's events.log format.</summary>
/// <remarks>
/// <para>Writes the events as JSON Lines, oldest first, one object per line with the keys interaction, actor, type,
/// content and timestamp in that order. The file is written beside its target and renamed over it, so it is replaced
/// atomically. Importing the export into the same store adds nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// Export-FastbandEvent -Path ./events.log
/// </code>
/// <para>Writes every event to events.log.</para>
/// </example>
/// <example>
/// <code>
/// Export-FastbandEvent -Path ./interaction-12.log -Interaction 12
/// </code>
/// <para>Writes only interaction 12.</para>
/// </example>
[Cmdlet(VerbsData.Export, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(ExportResult))]
public sealed class ExportFastbandEventCommand : FastbandCmdlet
{
    /// <summary>The file to write.</summary>
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
