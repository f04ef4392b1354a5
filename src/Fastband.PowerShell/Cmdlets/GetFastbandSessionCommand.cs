using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Sessions;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// With -SessionId: that session's whole saved state (what the seed calls restore_session). Without: every saved
/// session, without contents, most recently saved first.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FastbandSession", DefaultParameterSetName = "List")]
[OutputType(typeof(SessionSummary), ParameterSetName = new[] { "List" })]
[OutputType(typeof(Fastband.Core.Sessions.SessionState), ParameterSetName = new[] { "One" })]
public sealed class GetFastbandSessionCommand : FastbandCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "One", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.SessionIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string SessionId { get; set; } = "";

    protected override void Process(FastbandProject project)
    {
        if (ParameterSetName == "One") WriteObject(project.Sessions.Get(SessionId));
        else WriteObject(project.Sessions.List(), enumerateCollection: true);
    }
}
