using System.Management.Automation;
using Fastband.Core;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets a session's whole saved state, for an agent that restarts.</summary>
/// <remarks>
/// <para>Returns the same object as Get-FastbandSession -SessionId (what the seed calls restore_session); it pipes into
/// Save-FastbandSession. It changes nothing; it takes -WhatIf like every non-reading verb, and with -WhatIf it returns
/// nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// $state = Restore-FastbandSession -SessionId james-1
/// $state.CurrentTask
/// </code>
/// <para>After a restart: the saved state, and the task it was on.</para>
/// </example>
[Cmdlet(VerbsData.Restore, "FastbandSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Fastband.Core.Sessions.SessionState))]
public sealed class RestoreFastbandSessionCommand : FastbandCmdlet
{
    /// <summary>The session id. Default: $env:FASTBAND_SESSION. Binds the SessionId property of piped
    /// objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.SessionIdCompleter))]
    public string? SessionId { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (ShouldProcess(SessionId ?? "the current session", "Restore the saved session state"))
            WriteObject(project.Sessions.Get(SessionId));
    }
}
