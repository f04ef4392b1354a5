using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Events;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Reads interaction events, oldest first.</summary>
/// <remarks>
/// <para>Returns the events that match every filter given, oldest first. -Limit keeps the newest N of them, still
/// oldest first.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandEvent -Interaction 12 -Type question, answer
/// </code>
/// <para>The questions and answers of interaction 12.</para>
/// </example>
/// <example>
/// <code>
/// Get-FastbandEvent -Type error -Limit 20
/// </code>
/// <para>The last twenty error events.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandEvent")]
[OutputType(typeof(InteractionEvent))]
public sealed class GetFastbandEventCommand : FastbandCmdlet
{
    /// <summary>Only this interaction. Binds the Interaction property of piped objects.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public long? Interaction { get; set; }

    /// <summary>Only events of these types.</summary>
    [Parameter]
    public string[]? Type { get; set; }

    /// <summary>Only events by this actor.</summary>
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
