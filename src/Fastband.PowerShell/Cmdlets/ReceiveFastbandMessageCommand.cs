using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The caller's unread messages, oldest first; -All includes acknowledged ones, -Acknowledge acknowledges those read.</summary>
[Cmdlet(VerbsCommunications.Receive, "FastbandMessage", SupportsShouldProcess = true)]
[OutputType(typeof(Message))]
public sealed class ReceiveFastbandMessageCommand : FastbandAgentCmdlet
{
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>Acknowledge the unread messages returned, in the same transaction that reads them.</summary>
    [Parameter]
    [Alias("Ack")]
    public SwitchParameter Acknowledge { get; set; }

    /// <summary>At most this many messages (0: no limit); the rest come with the next call.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override void Process(FastbandProject project)
    {
        bool ack = Acknowledge.IsPresent && ShouldProcess(project.Caller.Agent, "Acknowledge unread messages");
        foreach (var m in project.Messages.Read(All.IsPresent, ack, Limit)) WriteObject(m);
    }
}
