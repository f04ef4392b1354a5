using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>
/// Acknowledges the caller's events up to an id: the cursor moves forward (never back) and the seed's
/// agent-&lt;id&gt;.checkpoint file follows. Takes Receive-FastbandEvent's objects from the pipeline (the last one wins).
/// </summary>
[Cmdlet(VerbsLifecycle.Confirm, "FastbandEvent", SupportsShouldProcess = true)]
[OutputType(typeof(EventCursor))]
public sealed class ConfirmFastbandEventCommand : FastbandAgentCmdlet
{
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
