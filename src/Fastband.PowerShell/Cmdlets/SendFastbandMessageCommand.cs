using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Sends a message to a registered agent.</summary>
/// <remarks>
/// <para>Delivers the message to the recipient's inbox as the caller and returns it. Each recipient's messages are
/// numbered 1, 2, 3 and so on with no gap. An unknown recipient is an error (Fastband.AgentNotFound), never a silent
/// drop. The message stays unread until its recipient acknowledges it.</para>
/// </remarks>
/// <example>
/// <code>
/// Send-FastbandMessage -To MCP_Agent1 -Message 'May I take templates/base.html?' -Kind handoff_request -Thread base-html -Agent MCP_Agent2
/// </code>
/// <para>Asks MCP_Agent1 for a handoff, in the thread base-html.</para>
/// </example>
/// <example>
/// <code>
/// 'Build 412 is on staging' | Send-FastbandMessage -To MCP_Agent3 -Kind status
/// </code>
/// <para>Sends piped text as a status message.</para>
/// </example>
[Cmdlet(VerbsCommunications.Send, "FastbandMessage", SupportsShouldProcess = true)]
[OutputType(typeof(Message))]
public sealed class SendFastbandMessageCommand : FastbandAgentCmdlet
{
    /// <summary>The registered agent to send it to.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    [Alias("Recipient")]
    public string To { get; set; } = "";

    /// <summary>The message text. It can come from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Body")]
    public string Message { get; set; } = "";

    /// <summary>info, handoff_request, handoff_granted, handoff_declined, status, question, answer or lock_broken.
    /// Default info.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet(MessageKind.Info, MessageKind.HandoffRequest, MessageKind.HandoffGranted, MessageKind.HandoffDeclined,
        MessageKind.Status, MessageKind.Question, MessageKind.Answer, MessageKind.LockBroken)]
    public string? Kind { get; set; }

    /// <summary>A thread name, to group a conversation.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Thread { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(To, "Send message")) WriteObject(project.Messages.Send(To, Message, Kind, Thread));
    }
}
