using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Active agents (seen within 2 h); -IncludeInactive for all; -Name for one.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandAgent")]
[OutputType(typeof(AgentSession))]
public sealed class GetFastbandAgentCommand : FastbandCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.AgentNameCompleter))]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter IncludeInactive { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (Name is not null) WriteObject(project.Agents.Get(Name));
        else foreach (var a in project.Agents.List(IncludeInactive)) WriteObject(a);
    }
}
