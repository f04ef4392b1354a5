using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Board;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>The status board: what each agent is on, active locks, recent releases and refused acquisitions.</summary>
[Cmdlet(VerbsCommon.Get, "FastbandBoard")]
[OutputType(typeof(StatusBoard))]
public sealed class GetFastbandBoardCommand : FastbandCmdlet
{
    /// <summary>How many recent releases and refused acquisitions to include.</summary>
    [Parameter]
    [ValidateRange(0, 10000)]
    public int History { get; set; } = BoardService.DefaultHistory;

    protected override void Process(FastbandProject project) => WriteObject(project.Board.GetBoard(History));
}
