using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Acknowledges the caller's messages by id.</summary>
/// <remarks>
/// <para>Marks the messages as read and returns the result with the recipient's cursor (the sequence number up to which
/// everything is acknowledged). Acknowledging twice is harmless. When one of the ids is not a message of the caller,
/// nothing is acknowledged and it is an error (Fastband.MessageNotFound). Takes Receive-FastbandMessage's objects from
/// the pipeline.</para>
/// </remarks>
/// <example>
/// <code>
/// Receive-FastbandMessage -Agent MCP_Agent1 | Confirm-FastbandMessage -Agent MCP_Agent1
/// </code>
/// <para>Acknowledges every unread message of MCP_Agent1.</para>
/// </example>
/// <example>
/// <code>
/// Confirm-FastbandMessage -MessageId 17, 18
/// </code>
/// <para>Acknowledges two messages by id.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Confirm, "FastbandMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MessageAckResult))]
public sealed class ConfirmFastbandMessageCommand : FastbandAgentCmdlet
{
    /// <summary>The ids of the messages to acknowledge. Binds the Id property of piped messages.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public long[] MessageId { get; set; } = Array.Empty<long>();

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(string.Join(", ", MessageId), "Acknowledge message")) WriteObject(project.Messages.Ack(MessageId));
    }
}
