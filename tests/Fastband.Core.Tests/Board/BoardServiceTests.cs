using Fastband.Core.Board;
using Xunit;

namespace Fastband.Core.Tests.Board;

public sealed class BoardServiceTests : ProjectTest
{
    [Fact]
    public void Set_status_stores_files_ticket_and_note_and_marks_the_agent_active()
    {
        var a = As("alice");
        var s = a.Board.SetStatus("In-Progress", new[] { "src/a.cs, src/b.cs", "src/a.cs" }, "#1205", " halfway ");
        Assert.Equal(WorkStatus.InProgress, s.Status);
        Assert.Equal(new[] { "src/a.cs", "src/b.cs" }, s.Files);
        Assert.Equal("1205", s.TicketId);
        Assert.Equal("halfway", s.Note);
        Assert.Equal(Clock.GetUtcNow(), s.UpdatedAt);
        Assert.True(s.IsActive);
        Assert.NotNull(a.Agents.Get("alice"));
    }

    [Fact]
    public void A_bad_status_is_refused_with_the_list_and_nothing_is_written()
    {
        var a = As("alice");
        var e = Assert.Throws<InvalidInputException>(() => a.Board.SetStatus("done"));
        Assert.Equal("InvalidStatus", e.ErrorId);
        foreach (var st in WorkStatus.All) Assert.Contains(st, e.Message);
        Assert.Empty(a.Board.GetBoard().Agents);
        Assert.Equal("InvalidTicket", Assert.Throws<InvalidInputException>(() => a.Board.SetStatus("blocked", ticketId: "12 05")).ErrorId);
        Assert.Equal("TooManyFiles", Assert.Throws<InvalidInputException>(() =>
            a.Board.SetStatus("blocked", Enumerable.Range(0, BoardService.MaxFiles + 1).Select(i => $"f{i}"))).ErrorId);
    }

    [Fact]
    public void The_board_lists_statuses_and_active_agents_without_one_and_empty_lock_lists_without_a_lock_source()
    {
        As("alice").Board.SetStatus("in_progress", new[] { "a.cs" }, "1205");
        Clock.Advance(TimeSpan.FromMinutes(1));
        As("bob").Agents.Register("1300");
        Clock.Advance(TimeSpan.FromMinutes(1));
        As("carol").Board.SetStatus("completed");

        var board = As("ops").Board.GetBoard();
        Assert.Equal(new[] { "carol", "bob", "alice" }, board.Agents.Select(a => a.Name)); // most recent activity first
        var bob = board.Agents[1];
        Assert.Null(bob.Status);
        Assert.Equal("1300", bob.TicketId);
        Assert.True(bob.IsActive);
        Assert.Empty(board.ActiveLocks);
        Assert.Empty(board.RecentReleases);
        Assert.Empty(board.RefusedAcquisitions);
        Assert.Equal(Clock.GetUtcNow(), board.GeneratedAt);

        Clock.Advance(TimeSpan.FromHours(3));
        var later = As("ops").Board.GetBoard();
        Assert.Equal(new[] { "carol", "alice" }, later.Agents.Select(a => a.Name)); // statuses stay, marked inactive
        Assert.All(later.Agents, a => Assert.False(a.IsActive));
    }

    [Fact]
    public void The_board_shows_the_real_locks_waiters_releases_and_refusals()
    {
        var alice = As("alice");
        var held = alice.Locks.Acquire(new Fastband.Core.Locks.LockRequest { Resources = new[] { "a.cs" } }).Lease!;
        for (int i = 0; i < 7; i++)
        {
            var bob = As("bob");
            var lease = bob.Locks.Acquire(new Fastband.Core.Locks.LockRequest { Resources = new[] { $"f{i}" } }).Lease!;
            bob.Locks.Release(lease.LeaseId);
        }
        Assert.False(As("carol").Locks.Acquire(new Fastband.Core.Locks.LockRequest { Resources = new[] { "a.cs" } }).Granted);

        var board = As("ops").Board.GetBoard(5);
        var active = Assert.Single(board.ActiveLocks);
        Assert.Equal(held.LeaseId, active.LeaseId);
        Assert.Equal(held.FencingToken, active.FencingToken);
        Assert.Equal(5, board.RecentReleases.Count);
        Assert.All(board.RecentReleases, e => Assert.Equal("bob", e.Agent));
        Assert.Equal("f6", board.RecentReleases[0].Resources.Single()); // newest first
        var refused = Assert.Single(board.RefusedAcquisitions);
        Assert.Equal("carol", refused.Agent);
        Assert.Contains("alice", refused.Detail);
        Assert.Equal("InvalidLimit", Assert.Throws<InvalidInputException>(() => As("ops").Board.GetBoard(-1)).ErrorId);
    }
}
