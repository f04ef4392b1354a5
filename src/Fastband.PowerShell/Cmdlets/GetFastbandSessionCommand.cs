using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Sessions;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the saved sessions, or one session's whole state.</summary>
/// <remarks>
/// <para>Without -SessionId: every saved session, without contents, most recently saved first. With -SessionId: that
/// session's whole saved state (conversation, agent contexts, task progress, current task), what the seed calls
/// restore_session; an unknown session is not found.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandSession
/// </code>
/// <para>Every saved session with its size and last save.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandSession -SessionId james-1).ConversationHistory | ConvertFrom-Json
/// </code>
/// <para>The conversation saved for james-1, as objects.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandSession", DefaultParameterSetName = "List")]
[OutputType(typeof(SessionSummary), ParameterSetName = new[] { "List" })]
[OutputType(typeof(Fastband.Core.Sessions.SessionState), ParameterSetName = new[] { "One" })]
public sealed class GetFastbandSessionCommand : FastbandCmdlet
{
    /// <summary>The session whose whole state to get. Binds the SessionId property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "One", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.SessionIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string SessionId { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ParameterSetName == "One") WriteObject(project.Sessions.Get(SessionId));
        else WriteObject(project.Sessions.List(), enumerateCollection: true);
    }
}
