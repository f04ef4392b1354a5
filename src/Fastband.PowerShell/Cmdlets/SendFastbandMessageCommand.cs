using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Sends a message to a registered agent; an unknown recipient is an error, never a silent drop.</summary>
[Cmdlet(VerbsCommunications.Send, "FastbandMessage", SupportsShouldProcess = true)]
[OutputType(typeof(Message))]
public sealed class SendFastbandMessageCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    [Alias("Recipient")]
    public string To { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Body")]
    public string Message { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet(MessageKind.Info, MessageKind.HandoffRequest, MessageKind.HandoffGranted, MessageKind.HandoffDeclined,
        MessageKind.Status, MessageKind.Question, MessageKind.Answer, MessageKind.LockBroken)]
    public string? Kind { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Thread { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(To, "Send message")) WriteObject(project.Messages.Send(To, Message, Kind, Thread));
    }
}
