using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Posts a hold: the agents (and tickets) it covers may not work until it is lifted or they are cleared.</summary>
[Cmdlet(VerbsCommon.Set, "FastbandHold", SupportsShouldProcess = true)]
[OutputType(typeof(Directive))]
public sealed class SetFastbandHoldCommand : FastbandAgentCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Reason { get; set; } = "";

    /// <summary>Only these agents. Default: everyone.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string[]? ForAgent { get; set; }

    /// <summary>Only work on these tickets. Default: all work.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.TicketIdCompleter))]
    [Alias("Ticket")]
    public string[]? TicketId { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(Reason, "Post hold")) WriteObject(project.Directives.Hold(Reason, ForAgent, TicketId));
    }
}
