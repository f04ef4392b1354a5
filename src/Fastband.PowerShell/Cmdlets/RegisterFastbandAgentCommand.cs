using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Registers or refreshes the caller's agent session.</summary>
/// <remarks>
/// <para>Records the caller's agent name with this host, process id and time (the agent then counts as active for
/// opsLog.activeAgentWindow, 2 hours by default), and with -TicketId sets its current ticket. Registering again
/// refreshes the session; without -TicketId the current ticket is kept.</para>
/// </remarks>
/// <example>
/// <code>
/// Register-FastbandAgent -TicketId 1205 -Agent MCP_Agent1
/// </code>
/// <para>Registers MCP_Agent1 as active and working on ticket 1205.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Register, "FastbandAgent", SupportsShouldProcess = true)]
[OutputType(typeof(AgentRegistration))]
public sealed class RegisterFastbandAgentCommand : FastbandAgentCmdlet
{
    /// <summary>The ticket the agent is working on.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string? TicketId { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(project.Caller.Agent, "Register agent")) WriteObject(project.Agents.Register(TicketId));
    }
}
