using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Reads interaction events, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandEvent")]
[OutputType(typeof(InteractionEvent))]
public sealed class GetFastbandEventCommand : FastbandCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public long? Interaction { get; set; }

    [Parameter]
    public string[]? Type { get; set; }

    [Parameter]
    public string? Actor { get; set; }

    /// <summary>Only events with an id above this one.</summary>
    [Parameter]
    public long? AfterId { get; set; }

    /// <summary>Only the newest N (0: all), still oldest first.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Limit { get; set; }

    protected override void Process(FastbandProject project)
    {
        var query = new EventQuery { Interaction = Interaction, Types = Type, Actor = Actor, AfterId = AfterId, Limit = Limit };
        foreach (var e in project.Events.Read(query)) WriteObject(e);
    }
}
