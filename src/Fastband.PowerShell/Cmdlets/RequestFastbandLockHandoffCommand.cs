using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Locks;
using Fastband.Core.Messaging;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Asks the holders of a path to hand it over.</summary>
/// <remarks>
/// <para>Sends each other agent that holds a live lock on the path a handoff_request message naming the lease, with
/// your note, and returns those leases. It releases nothing: the holder decides. When nobody else holds the path it is
/// an error (Fastband.NothingHeld).</para>
/// </remarks>
/// <example>
/// <code>
/// Request-FastbandLockHandoff -Path templates/base.html -Message 'I need it for #1206' -Agent MCP_Agent2
/// </code>
/// <para>Asks whoever holds templates/base.html to hand it over to MCP_Agent2.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Request, "FastbandLockHandoff", SupportsShouldProcess = true)]
[OutputType(typeof(Lease))]
public sealed class RequestFastbandLockHandoffCommand : FastbandAgentCmdlet
{
    /// <summary>The file, folder or glob you want. Binds the Path property of piped objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(Completion.LockedPathCompleter))]
    public string Path { get; set; } = "";

    /// <summary>A note added to the request, e.g. why you need it.</summary>
    [Parameter(Position = 1)]
    public string? Message { get; set; }

    protected override void Process(FastbandProject project)
    {
        if (!ShouldProcess(Path, "Request handoff")) return;
        foreach (var lease in project.Locks.RequestHandoff(Path, Message))
            WriteObject(lease);
    }
}
