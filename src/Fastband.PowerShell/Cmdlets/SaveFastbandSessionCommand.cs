using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Sessions;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Saves (replaces) a session's state.</summary>
/// <remarks>
/// <para>Saves the conversation (JSON array text), the agent contexts and task progress (JSON object text) and the
/// current task as the session's whole state (or a whole state document with -Document), in one transaction, replacing what was saved before. Every part is
/// checked first: malformed JSON is refused (Fastband.MalformedJson, with the position) and nothing is saved. Binds
/// Get-FastbandSession's objects from the pipeline, so a state can be copied to another session.</para>
/// </remarks>
/// <example>
/// <code>
/// Save-FastbandSession -SessionId james-1 -ConversationHistory (Get-Content ./conv.json -Raw) -TaskProgress '{"T037":"tests pass"}' -CurrentTask T037 -Agent James
/// </code>
/// <para>Saves James's session from a conversation file and a progress object.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandSession -SessionId james-1 | Save-FastbandSession -SessionId james-2
/// </code>
/// <para>Copies the saved state of one session to another.</para>
/// </example>
/// <example>
/// <code>
/// Save-FastbandSession -SessionId james-1 -Document (fastband session show james-1 --json | Out-String) -Agent James
/// </code>
/// <para>Saves a whole state document, the shape 'fastband session show --json' writes; the parts may not be given beside it.</para>
/// </example>
[Cmdlet(VerbsData.Save, "FastbandSession", SupportsShouldProcess = true, DefaultParameterSetName = "Parts")]
[OutputType(typeof(SessionSummary))]
public sealed class SaveFastbandSessionCommand : FastbandAgentCmdlet
{
    /// <summary>The session id. Default: $env:FASTBAND_SESSION. Binds the SessionId property of piped
    /// objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? SessionId { get; set; }

    /// <summary>The conversation: JSON array text, e.g. from ConvertTo-Json -Depth 100 or Get-Content -Raw.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Parts")]
    [AllowEmptyString]
    public string ConversationHistory { get; set; } = "";

    /// <summary>A whole state document (JSON text), the shape 'fastband session show --json' writes; instead of the parts.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Document")]
    public string? Document { get; set; }

    /// <summary>The agent contexts: JSON object text.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Parts")]
    public string? AgentContexts { get; set; }

    /// <summary>The task progress: JSON object text.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Parts")]
    public string? TaskProgress { get; set; }

    /// <summary>The task the agent is on, e.g. T037.</summary>
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
