using System.Management.Automation;
using Fastband.Core;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// A session's whole saved state, for an agent that restarts (the seed's restore_session): the same object as
/// Get-FastbandSession -SessionId, and it pipes into Save-FastbandSession. It changes nothing; it takes -WhatIf
/// like every non-reading verb, and with -WhatIf it returns nothing.
/// </summary>
[Cmdlet(VerbsData.Restore, "FastbandSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Fastband.Core.Sessions.SessionState))]
public sealed class RestoreFastbandSessionCommand : FastbandCmdlet
{
    /// <summary>The session id. Default: $env:FASTBAND_SESSION.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.SessionIdCompleter))]
    public string? SessionId { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(SessionId ?? "the current session", "Restore the saved session state"))
            WriteObject(project.Sessions.Get(SessionId));
    }
}
