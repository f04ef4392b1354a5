using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The latest directive and the holds in force. Read it before starting work.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandDirective")]
[OutputType(typeof(DirectiveStatus))]
public sealed class GetFastbandDirectiveCommand : FastbandCmdlet
{
    protected override void Process(FastbandProject project) => WriteObject(project.Directives.GetStatus());
}
