using System.Management.Automation;
using Fastband.Core;
using Fastband.Core.Board;

namespace Fastband.PowerShell.Cmdlets;

/// <summary>Gets the status board: what each agent is on, the active locks, recent releases and refused
/// acquisitions.</summary>
/// <remarks>
/// <para>Returns one StatusBoard: each agent's status as set by Set-FastbandStatus (with its files, ticket and whether
/// it is active), the locks held now, which agent recently released which files, and the acquisitions refused because
/// another agent held the files.</para>
/// </remarks>
/// <example>
/// <code>
/// Get-FastbandBoard
/// </code>
/// <para>The whole board.</para>
/// </example>
/// <example>
/// <code>
/// (Get-FastbandBoard -History 50).RefusedAcquisitions
/// </code>
/// <para>The last 50 refused lock acquisitions.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "FastbandBoard")]
[OutputType(typeof(StatusBoard))]
public sealed class GetFastbandBoardCommand : FastbandCmdlet
{
    /// <summary>How many recent releases and refused acquisitions to include. Default 20.</summary>
    [Parameter]
    [ValidateRange(0, 10000)]
    public int History { get; set; } = BoardService.DefaultHistory;

    protected override void Process(FastbandProject project) => WriteObject(project.Board.GetBoard(History));
}
