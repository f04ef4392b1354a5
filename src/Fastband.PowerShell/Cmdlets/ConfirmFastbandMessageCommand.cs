using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Acknowledges the caller's messages by id (pipe in from Receive-FastbandMessage).</summary>
[Cmdlet(VerbsLifecycle.Confirm, "FastbandMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MessageAckResult))]
public sealed class ConfirmFastbandMessageCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public long[] MessageId { get; set; } = Array.Empty<long>();

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(string.Join(", ", MessageId), "Acknowledge message")) WriteObject(project.Messages.Ack(MessageId));
    }
}
