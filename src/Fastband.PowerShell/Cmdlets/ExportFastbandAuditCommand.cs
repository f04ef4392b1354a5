using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Writes the audit trail as JSON Lines in the seed library's shape.</summary>
/// <remarks>
/// <para>Writes one JSON object per audit entry (timestamp, agent, action, success, message and the ids), oldest first,
/// to a temporary file that is then renamed over the target. Returns the file, how many entries were written and their
/// id range.</para>
/// </remarks>
/// <example>
/// <code>
/// Export-FastbandAudit -Path ./audit_log.jsonl -Since '1d'
/// </code>
/// <para>Writes the last day's audit trail.</para>
/// </example>
[Cmdlet(VerbsData.Export, "FastbandAudit", SupportsShouldProcess = true)]
[OutputType(typeof(AuditExport))]
public sealed class ExportFastbandAuditCommand : FastbandCmdlet
{
    /// <summary>The file to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = "";

    /// <summary>Only entries at or after this time: a duration back from now ('1d'; quote it), a timestamp, or a
    /// [datetime].</summary>
    [Parameter]
    public PointInTime? Since { get; set; }

    protected override void Process(FastbandProject project)
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        if (ShouldProcess(path, "Export audit trail"))
            WriteObject(project.Issues.ExportAudit(path, Since?.Resolve(project.Clock.GetUtcNow())));
    }
}
