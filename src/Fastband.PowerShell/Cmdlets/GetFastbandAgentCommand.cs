using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the agents, active ones by default.</summary>
/// <remarks>
/// <para>Returns the registered agents seen within opsLog.activeAgentWindow (2 hours by default); with
/// -IncludeInactive, every agent ever registered; with -Name, that one agent (an error if there is none by that name).
/// An agent is seen whenever it writes anything.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandAgent
/// </code>
/// <para>The active agents, with their current tickets.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandAgent -Name MCP_Agent2 | Get-FastbandOpsLog -Since '1d'
/// </code>
/// <para>What MCP_Agent2 wrote to the ops log in the last day.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandAgent")]
[OutputType(typeof(AgentRegistration))]
public sealed class GetFastbandAgentCommand : FastbandCmdlet
{
    /// <summary>The agent to get. Binds the Name property of piped objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Also list agents not seen within the active window.</summary>
    [Parameter]
    public SwitchParameter IncludeInactive { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (Name is not null) WriteObject(project.Agents.Get(Name));
        else foreach (var a in project.Agents.List(IncludeInactive)) WriteObject(a);
    }
}
