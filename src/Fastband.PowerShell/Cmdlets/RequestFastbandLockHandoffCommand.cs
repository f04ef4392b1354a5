using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Sends the holders of a path a handoff request message; writes the leases whose holders were asked.</summary>
[Cmdlet(VerbsLifecycle.Request, "FastbandLockHandoff", SupportsShouldProcess = true)]
[OutputType(typeof(Lease))]
public sealed class RequestFastbandLockHandoffCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LockedPathCompleter))]
    public string Path { get; set; } = "";

    [Parameter(Position = 1)]
    public string? Message { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(Path, "Request handoff")) return;
        foreach (var lease in project.Locks.RequestHandoff(Path, Message, (l, body) => project.Messages.Send(l.Agent, body, MessageKind.HandoffRequest)))
            WriteObject(lease);
    }
}
