using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Registers (or refreshes) the caller's agent session, optionally on a ticket.</summary>
[Cmdlet(VerbsLifecycle.Register, "FastbandAgent", SupportsShouldProcess = true)]
[OutputType(typeof(AgentSession))]
public sealed class RegisterFastbandAgentCommand : FastbandAgentCmdlet
{
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, "Register agent")) WriteObject(project.Agents.Register(TicketId));
    }
}
