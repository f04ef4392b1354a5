using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Sessions;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Saves (replaces) a session's state: the conversation (JSON array text), agent contexts and task progress (JSON
/// object text) and the current task. Malformed JSON is refused (Fastband.MalformedJson) and nothing is saved.
/// Binds Get-FastbandSession's objects from the pipeline, so a state can be copied.
/// </summary>
[Cmdlet(VerbsData.Save, "FastbandSession", SupportsShouldProcess = true, DefaultParameterSetName = "Parts")]
[OutputType(typeof(SessionSummary))]
public sealed class SaveFastbandSessionCommand : FastbandAgentCmdlet
{
    /// <summary>The session id. Default: $env:FASTBAND_SESSION.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? SessionId { get; set; }

    /// <summary>The conversation: JSON array text, e.g. from ConvertTo-Json -Depth 100 or Get-Content -Raw.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Parts")]
    [AllowEmptyString]
    public string ConversationHistory { get; set; } = "";

    /// <summary>A whole state document (JSON text), the shape Restore-FastbandSession and 'fastband session show --json' write.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Document")]
    public string? Document { get; set; }

    /// <summary>JSON object text.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Parts")]
    public string? AgentContexts { get; set; }

    /// <summary>JSON object text.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Parts")]
    public string? TaskProgress { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? CurrentTask { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(SessionId ?? "the current session", "Save session state"))
        {
            var parts = Document is null
                ? new SessionInput { ConversationHistory = ConversationHistory, AgentContexts = AgentContexts, TaskProgress = TaskProgress, CurrentTask = CurrentTask }
                : new SessionInput { CurrentTask = CurrentTask };
            WriteObject(project.Sessions.Save(SessionService.Compose(SessionId, Document, "-Document", parts)));
        }
    }
}
