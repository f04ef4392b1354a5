using Fastband.Core.Messaging;
using Xunit;

namespace Fastband.Core.Tests.Messaging;

public sealed class MessageServiceTests : ProjectTest
{
    private FastbandProject Registered(string agent)
    {
        var p = As(agent);
        p.Agents.Register();
        return p;
    }

    [Fact]
    public void An_unknown_recipient_is_refused_naming_the_known_agents_and_nothing_is_written()
    {
        Registered("alice");
        var bob = As("bob");
        var e = Assert.Throws<NotFoundException>(() => bob.Messages.Send("carol", "hello"));
        Assert.Equal("AgentNotFound", e.ErrorId);
        Assert.Contains("carol", e.Message);
        Assert.Contains("alice", e.Message);
        Assert.Empty(bob.Store.Messages.ReadAll("carol", 0));
        Assert.Equal(0, bob.Store.Messages.Cursor("carol"));
    }

    [Fact]
    public void With_no_agent_registered_the_refusal_says_how_to_register()
    {
        var e = Assert.Throws<NotFoundException>(() => As("bob").Messages.Send("alice", "hello"));
        Assert.Contains("agents register", e.Message);
    }

    [Fact]
    public void Sending_uses_the_registered_name_and_the_caller_as_sender()
    {
        Registered("Alice");
        var m = As("bob").Messages.Send("alice", "  please release base.html  ", "handoff-request", " h-1205 ");
        Assert.Equal("Alice", m.Recipient);
        Assert.Equal("bob", m.Sender);
        Assert.Equal(MessageKind.HandoffRequest, m.Kind);
        Assert.Equal("h-1205", m.Thread);
        Assert.Equal("please release base.html", m.Body);
        Assert.Equal(1, m.Seq);
        Assert.Equal(Clock.GetUtcNow(), m.SentAt);
        Assert.Equal($"#1 [bob][{ManualClock.Display(Clock.GetUtcNow())}] handoff_request [thread h-1205] please release base.html", m.Formatted);
    }

    [Theory]
    [InlineData("gossip", "InvalidMessageKind")]
    [InlineData("handoff", "InvalidMessageKind")]
    public void A_bad_kind_is_refused_with_the_list_and_nothing_is_written(string kind, string errorId)
    {
        var alice = Registered("alice");
        var e = Assert.Throws<InvalidInputException>(() => As("bob").Messages.Send("alice", "x", kind));
        Assert.Equal(errorId, e.ErrorId);
        foreach (var k in MessageKind.All) Assert.Contains(k, e.Message);
        Assert.Empty(alice.Messages.Read(all: true));
    }

    [Fact]
    public void Empty_and_oversized_bodies_and_bad_names_are_refused()
    {
        Registered("alice");
        var bob = As("bob");
        Assert.Equal("EmptyMessage", Assert.Throws<InvalidInputException>(() => bob.Messages.Send("alice", "  ")).ErrorId);
        Assert.Equal("MessageTooLong", Assert.Throws<InvalidInputException>(() => bob.Messages.Send("alice", new string('x', MessageService.MaxBodyLength + 1))).ErrorId);
        Assert.Equal("InvalidAgentName", Assert.Throws<InvalidInputException>(() => bob.Messages.Send("al ice", "x")).ErrorId);
        Assert.Equal("NoRecipient", Assert.Throws<InvalidInputException>(() => bob.Messages.Send("", "x")).ErrorId);
        Assert.Equal("InvalidThread", Assert.Throws<InvalidInputException>(() => bob.Messages.Send("alice", "x", thread: new string('t', 200))).ErrorId);
    }

    [Fact]
    public void Seq_is_strictly_increasing_per_recipient_whoever_sends()
    {
        Registered("alice");
        Registered("carol");
        var bob = As("bob");
        var dave = As("dave");
        var seqs = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            seqs.Add((i % 2 == 0 ? bob : dave).Messages.Send("alice", $"m{i}").Seq);
            Assert.Equal(i + 1, bob.Messages.Send("carol", $"c{i}").Seq);
        }
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, seqs);
    }

    [Fact]
    public void Read_shows_unread_oldest_first_and_again_until_acknowledged()
    {
        var alice = Registered("alice");
        var bob = As("bob");
        bob.Messages.Send("alice", "first");
        Clock.Advance(TimeSpan.FromSeconds(1));
        bob.Messages.Send("alice", "second");

        Assert.Equal(new[] { "first", "second" }, alice.Messages.Read().Select(m => m.Body));
        Assert.Equal(new[] { "first", "second" }, alice.Messages.Read().Select(m => m.Body)); // a peek: nothing missed
        Assert.Empty(bob.Messages.Read()); // bob's own inbox
    }

    [Fact]
    public void Ack_then_read_shows_nothing_and_all_shows_the_acknowledged_ones()
    {
        var alice = Registered("alice");
        var bob = As("bob");
        var ids = new[] { bob.Messages.Send("alice", "one").Id, bob.Messages.Send("alice", "two").Id };

        var result = alice.Messages.Ack(ids);
        Assert.Equal(ids, result.Acknowledged);
        Assert.Equal(2, result.Cursor);
        Assert.Empty(alice.Messages.Read());
        var all = alice.Messages.Read(all: true);
        Assert.Equal(new[] { "one", "two" }, all.Select(m => m.Body));
        Assert.All(all, m => Assert.Equal(Clock.GetUtcNow(), m.AckedAt));

        var again = alice.Messages.Ack(ids); // harmless
        Assert.Empty(again.Acknowledged);
        Assert.Equal(ids, again.AlreadyAcknowledged);
    }

    [Fact]
    public void Read_with_ack_returns_each_message_once()
    {
        var alice = Registered("alice");
        var bob = As("bob");
        for (int i = 1; i <= 5; i++) bob.Messages.Send("alice", $"m{i}");

        var firstTwo = alice.Messages.Read(ack: true, limit: 2);
        Assert.Equal(new[] { "m1", "m2" }, firstTwo.Select(m => m.Body));
        bob.Messages.Send("alice", "m6");
        Assert.Equal(new[] { "m3", "m4", "m5", "m6" }, alice.Messages.Read(ack: true).Select(m => m.Body));
        Assert.Empty(alice.Messages.Read(ack: true));
        Assert.Equal(6, alice.Messages.Cursor());
        Assert.Equal(6, alice.Messages.Read(all: true).Count);
    }

    [Fact]
    public void Read_all_with_ack_acknowledges_everything_and_returns_everything()
    {
        var alice = Registered("alice");
        As("bob").Messages.Send("alice", "one");
        var all = alice.Messages.Read(all: true, ack: true);
        Assert.True(Assert.Single(all).IsAcknowledged);
        Assert.Empty(alice.Messages.Read());
    }

    [Fact]
    public void Acking_another_agents_message_is_refused_and_acks_nothing()
    {
        var alice = Registered("alice");
        var carol = Registered("carol");
        var bob = As("bob");
        var forAlice = bob.Messages.Send("alice", "for alice");
        var forCarol = bob.Messages.Send("carol", "for carol");

        var e = Assert.Throws<NotFoundException>(() => alice.Messages.Ack(new[] { forAlice.Id, forCarol.Id }));
        Assert.Equal("MessageNotFound", e.ErrorId);
        Assert.Contains(forCarol.Id.ToString(), e.Message);
        Assert.Single(alice.Messages.Read()); // her own was not acknowledged either
        Assert.Single(carol.Messages.Read());
        Assert.Equal("MessageNotFound", Assert.Throws<NotFoundException>(() => alice.Messages.Ack(new[] { 12345L })).ErrorId);
        Assert.Equal("NoMessageId", Assert.Throws<InvalidInputException>(() => alice.Messages.Ack(Array.Empty<long>())).ErrorId);
    }

    [Fact]
    public void A_negative_limit_is_refused()
    {
        Assert.Equal("InvalidLimit", Assert.Throws<InvalidInputException>(() => As("a").Messages.Read(limit: -1)).ErrorId);
    }
}
