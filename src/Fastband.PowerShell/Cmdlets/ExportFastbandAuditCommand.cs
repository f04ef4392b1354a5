using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Issues;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Writes the audit trail as JSON Lines in the seed library's shape (timestamp, agent, action, success, message, ids).</summary>
[Cmdlet(VerbsData.Export, "FastbandAudit", SupportsShouldProcess = true)]
[OutputType(typeof(AuditExport))]
public sealed class ExportFastbandAuditCommand : FastbandCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = "";

    [Parameter]
    public PointInTime? Since { get; set; }

    protected override void Process(FastbandProject project)
    {
        string path = GetUnresolvedProviderPathFromPSPath(Path);
        if (ShouldProcess(path, "Export audit trail"))
            WriteObject(project.Issues.ExportAudit(path, Since?.Resolve(project.Clock.GetUtcNow())));
    }
}
