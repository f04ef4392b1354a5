using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Writes communication.md and archive.md from the event log.</summary>
/// <remarks>
/// <para>Writes communication.md (the last events.recentInteractions interactions, 3 by default) and archive.md (every
/// older one), each to a temporary file that is then renamed over the old one; the previous communication.md is kept as
/// communication.md.bak. The same events give the same bytes, and a run that would change nothing writes nothing. If
/// writing fails the old files stay as they were and an error event says why. The files go to the project folder unless
/// events.directory says otherwise.</para>
/// <para>With -Watch it writes them again whenever new events arrive, until Ctrl+C, writing one result per run (a
/// failed run is a warning, and watching goes on).</para>
/// </remarks>
/// <example>
/// <code>
/// Update-FastbandTranscript
/// </code>
/// <para>Writes communication.md and archive.md once.</para>
/// </example>
/// <example>
/// <code>
/// Update-FastbandTranscript -Watch
/// </code>
/// <para>Keeps them current until Ctrl+C.</para>
/// </example>
[Cmdlet(VerbsData.Update, "FastbandTranscript", SupportsShouldProcess = true)]
[Alias("Update-FastbandSnapshot")]
[OutputType(typeof(TranscriptResult))]
public sealed class UpdateFastbandTranscriptCommand : FastbandCmdlet
{
    /// <summary>Write the transcript again whenever new events arrive, until Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Watch { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(project.Events.FilesDirectory, Watch ? "Write the transcript whenever events arrive" : "Write the transcript")) return;
        if (!Watch)
        {
            WriteObject(project.Events.WriteTranscript());
            return;
        }
        foreach (var result in project.Events.Watch(StopToken))
        {
            if (result.Error is not null) WriteWarning(result.Error);
            WriteObject(result);
        }
    }
}
