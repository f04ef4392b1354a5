using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Acknowledges the caller's events up to an id.</summary>
/// <remarks>
/// <para>Moves the caller's cursor forward to the id (never back) and rewrites the seed's
/// agent-&lt;agent&gt;.checkpoint file with that event's interaction, so tools that read it stay in step. Returns the
/// cursor. Takes Receive-FastbandEvent's objects from the pipeline: the highest id piped in wins, and the cursor moves
/// once at the end.</para>
/// </remarks>
/// <example>
/// <code>
/// Confirm-FastbandEvent -UpTo 57 -Agent AgentB
/// </code>
/// <para>AgentB has handled every event up to #57.</para>
/// </example>
/// <example>
/// <code>
/// Receive-FastbandEvent -Agent AgentB | Confirm-FastbandEvent -Agent AgentB
/// </code>
/// <para>Acknowledges everything received.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Confirm, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(EventCursor))]
public sealed class ConfirmFastbandEventCommand : FastbandAgentCmdlet
{
    /// <summary>The id of the last event handled. Binds the Id property of piped events.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public long UpTo { get; set; }

    private long _highest;

    protected override void Process(FastbandProject project) => _highest = Math.Max(_highest, UpTo);

    protected override void EndProcessing()
    {
        try
        {
            if (_highest > 0 && ShouldProcess($"events up to #{_highest}", "Acknowledge"))
                WriteObject(OpenProject().Events.Ack(_highest));
        }
        catch (FastbandException e)
        {
            WriteError(new ErrorRecord(e, "Fastband." + e.ErrorId, CategoryFor(e.Kind), null));
        }
        finally
        {
            base.EndProcessing();
        }
    }
}
