using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the caller's unread messages, oldest first.</summary>
/// <remarks>
/// <para>Returns the caller's messages that are not acknowledged yet, oldest first: every one, or at most -Limit of
/// them (the rest then come with the next call). With -All the acknowledged ones are included. With -Acknowledge the unread messages
/// returned are acknowledged in the same transaction that reads them, so nothing is read twice and nothing is
/// missed.</para>
/// </remarks>
/// <example>
/// <code>
/// Receive-FastbandMessage -Agent MCP_Agent1
/// </code>
/// <para>MCP_Agent1's unread messages; they stay unread.</para>
/// </example>
/// <example>
/// <code>
/// Receive-FastbandMessage -Acknowledge -Agent MCP_Agent1
/// </code>
/// <para>Reads and acknowledges the unread messages in one step.</para>
/// </example>
/// <example>
/// <code>
/// Receive-FastbandMessage | Where-Object Kind -eq 'question' | Confirm-FastbandMessage
/// </code>
/// <para>Acknowledges only the questions.</para>
/// </example>
[Cmdlet(VerbsCommunications.Receive, "FastbandMessage", SupportsShouldProcess = true)]
[OutputType(typeof(Message))]
public sealed class ReceiveFastbandMessageCommand : FastbandAgentCmdlet
{
    /// <summary>Include messages already acknowledged.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>Acknowledge the unread messages returned, in the same transaction that reads them.</summary>
    [Parameter]
    [Alias("Ack")]
    public SwitchParameter Acknowledge { get; set; }

    /// <summary>At most this many messages; the rest come with the next call. Default: every one (0).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override void Process(FastbandProject project)
    {
        bool ack = Acknowledge.IsPresent && ShouldProcess(project.Caller.Agent, "Acknowledge unread messages");
        foreach (var m in project.Messages.Read(All.IsPresent, ack, Limit)) WriteObject(m);
    }
}
