using Fastband.Core.Events;
using Xunit;

namespace Fastband.Core.Tests.Events;

public class CursorTests : ProjectTest
{
    private string Checkpoint(string agent) => Path.Combine(Dir.Root, $"agent-{agent}.checkpoint");

    private FastbandProject WithEvents()
    {
        var w = As("writer");
        for (int i = 1; i <= 3; i++)
        {
            w.Events.Log("question", $"q{i}", newInteraction: true);
            w.Events.Log("answer", $"a{i}");
        }
        return w;
    }

    [Fact]
    public void Next_returns_what_follows_the_cursor_and_ack_moves_it_forward_never_back_keeping_the_checkpoint_file_in_step()
    {
        var w = WithEvents();
        var me = As("reader");
        Assert.Equal(new long[] { 1, 2, 3 }, me.Events.Next(3).Select(e => e.Id));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, me.Events.Next().Select(e => e.Id)); // reading moves nothing

        var c = me.Events.Ack(3);
        Assert.Equal((3L, 2L, 3L), (c.AckedId, c.Interaction, c.Pending));
        Assert.Equal("2\n", File.ReadAllText(Checkpoint("reader"))); // the seed's format: the interaction handled
        Assert.Equal(new long[] { 4, 5, 6 }, me.Events.Next().Select(e => e.Id));

        Assert.Equal(3, me.Events.Ack(1).AckedId); // never back
        Assert.Equal(6, me.Events.Ack(6).AckedId);
        Assert.Empty(me.Events.Next());
        Assert.Equal("3\n", File.ReadAllText(Checkpoint("reader")));
        Assert.Equal(6, w.Events.Next().Count); // cursors are per agent
    }

    [Fact]
    public void Acknowledging_an_id_that_does_not_exist_is_refused_and_moves_nothing()
    {
        WithEvents();
        var me = As("reader");
        Assert.Equal("EventNotFound", Assert.Throws<NotFoundException>(() => me.Events.Ack(99)).ErrorId);
        Assert.Equal("InvalidEventId", Assert.Throws<InvalidInputException>(() => me.Events.Ack(0)).ErrorId);
        Assert.Equal(0, me.Events.Cursor().AckedId);
        Assert.False(File.Exists(Checkpoint("reader")));
    }

    [Fact]
    public void A_seed_checkpoint_file_without_a_stored_cursor_counts_its_interaction_as_handled()
    {
        WithEvents();
        File.WriteAllText(Checkpoint("seedagent"), "2\n");
        var me = As("seedagent");
        Assert.Equal(4, me.Events.Cursor().AckedId);
        Assert.Equal(new long[] { 5, 6 }, me.Events.Next().Select(e => e.Id));
        Assert.Equal(5, me.Events.Ack(5).AckedId);
    }
}

/// <summary>The tests above, unchanged, on a PostgreSQL store (a fresh schema per test through FASTBAND_STORE): cursors and the seed's cursor files.</summary>
[Collection(Concurrency.MultiProcessRaces.Name)] // out of the way of the backup tests that fingerprint the server's WAL position
public sealed class PostgresCursorTests : CursorTests
{
    public PostgresCursorTests() => Dir.UsePostgres("cursor");
}
