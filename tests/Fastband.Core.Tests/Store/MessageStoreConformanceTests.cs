using Fastband.Core.Messaging;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>What every store must do for messages and agent statuses; the rules above them are MessageService's and the board's.</summary>
public abstract class MessageStoreConformanceTests : StoreSuite
{
    /// <summary>The stores' clock: <see cref="StoreSuite.CreateStore"/> opens them on it.</summary>
    protected readonly ManualClock Clock = new();

    private static NewMessage Note(string to, string body, string from = "s1", string kind = MessageKind.Info, string? thread = null) =>
        new(to, from, kind, thread, body);

    // ---------------------------------------------------------------- messages

    [Fact]
    public void Send_numbers_each_recipients_messages_from_one_without_gaps()
    {
        var store = Open();
        var a1 = store.Messages.Send(Note("a", "one"));
        var b1 = store.Messages.Send(Note("b", "for b"));
        var a2 = store.Messages.Send(Note("A", "two", kind: MessageKind.HandoffRequest, thread: "t1")); // names ignore case

        Assert.Equal(new long[] { 1, 1, 2 }, new[] { a1.Seq, b1.Seq, a2.Seq });
        Assert.True(b1.Id > a1.Id && a2.Id > b1.Id);
        Assert.Equal(Clock.GetUtcNow(), a1.SentAt);
        Assert.Null(a1.AckedAt);
        var back = store.Messages.ReadAll("a", 0);
        Assert.Equal(new[] { "one", "two" }, back.Select(m => m.Body));
        Assert.Equal(new[] { a1.Id, a2.Id }, back.Select(m => m.Id));
        Assert.Equal(MessageKind.HandoffRequest, back[1].Kind);
        Assert.Equal("t1", back[1].Thread);
        Assert.Null(back[0].Thread);
        Assert.Equal("s1", back[1].Sender);
        Assert.Equal("A", back[1].Recipient); // as sent
        Assert.Empty(store.Messages.ReadAll("nobody", 0));
    }

    [Fact]
    public void Sent_times_never_go_backwards_as_seq_goes_up()
    {
        var store = Open();
        var first = store.Messages.Send(Note("a", "before the step"));
        Clock.Advance(TimeSpan.FromMinutes(-10));
        var second = store.Messages.Send(Note("a", "after the step"));
        var other = store.Messages.Send(Note("b", "another recipient"));
        Assert.Equal(first.SentAt, second.SentAt);
        Assert.Equal(first.SentAt, store.Messages.ReadAll("a", 0)[1].SentAt); // what was returned is what was stored
        Assert.Equal(Clock.GetUtcNow(), other.SentAt); // each recipient's own newest message holds its time back, not another's
    }

    [Fact]
    public void Concurrent_senders_on_two_connections_get_sequence_numbers_one_to_n_exactly_once()
    {
        var stores = new[] { Open(), Open() };
        const int PerSender = 40;
        var sent = new List<Message>[2];
        Parallel.For(0, 2, i => sent[i] = Enumerable.Range(0, PerSender).Select(n => stores[i].Messages.Send(Note("inbox", $"{i}:{n}", from: $"s{i}"))).ToList());

        var all = sent.SelectMany(s => s).ToList();
        Assert.Equal(Enumerable.Range(1, 2 * PerSender).Select(n => (long)n), all.Select(m => m.Seq).OrderBy(s => s));
        Assert.Equal(2 * PerSender, all.Select(m => m.Id).Distinct().Count());
        foreach (var mine in sent) Assert.Equal(mine.Select(m => m.Seq).OrderBy(s => s), mine.Select(m => m.Seq)); // each sender's in its order
        var stored = stores[0].Messages.ReadAll("inbox", 0);
        Assert.Equal(all.OrderBy(m => m.Seq).Select(m => (m.Id, m.Body)), stored.Select(m => (m.Id, m.Body)));
        for (int i = 1; i < stored.Count; i++) Assert.True(stored[i].SentAt >= stored[i - 1].SentAt);
    }

    [Fact]
    public void ReadUnread_is_oldest_first_honours_the_limit_and_never_shows_an_acked_message()
    {
        var store = Open();
        var ids = Enumerable.Range(1, 5).Select(i => store.Messages.Send(Note("a", $"m{i}")).Id).ToArray();
        Assert.Equal(new[] { "m1", "m2" }, store.Messages.ReadUnread("a", 2).Select(m => m.Body));
        Assert.Equal(5, store.Messages.ReadUnread("A", 0).Count);

        var ack = store.Messages.Ack("a", new[] { ids[0], ids[2] }, Clock.GetUtcNow());
        Assert.Equal(new[] { ids[0], ids[2] }, ack.Acknowledged);
        Assert.Equal(1, ack.Cursor); // m2 is still unread, so only #1 is behind the cursor
        Assert.Equal(new[] { "m2", "m4", "m5" }, store.Messages.ReadUnread("a", 0).Select(m => m.Body)); // the gap left by m3 skips nothing
        Assert.Equal(5, store.Messages.ReadAll("a", 0).Count);
        Assert.Equal(new[] { "m4", "m5" }, store.Messages.ReadAll("a", 2).Select(m => m.Body)); // the newest, oldest first
        Assert.Equal(Clock.GetUtcNow(), store.Messages.ReadAll("a", 0)[0].AckedAt);
        Assert.Null(store.Messages.ReadAll("a", 0)[1].AckedAt);
    }

    [Fact]
    public void Ack_refuses_another_recipients_or_an_unknown_id_and_then_acks_nothing()
    {
        var store = Open();
        var mine = store.Messages.Send(Note("a", "mine"));
        var theirs = store.Messages.Send(Note("b", "theirs"));

        var refused = store.Messages.Ack("a", new[] { mine.Id, theirs.Id, 999_999L }, Clock.GetUtcNow());
        Assert.Equal(new[] { theirs.Id, 999_999L }, refused.Refused);
        Assert.Empty(refused.Acknowledged);
        Assert.Equal(0, refused.Cursor);
        Assert.Equal(2, store.Messages.ReadUnread("a", 0).Count + store.Messages.ReadUnread("b", 0).Count);

        var ok = store.Messages.Ack("A", new[] { mine.Id, mine.Id }, Clock.GetUtcNow()); // the recipient's name ignores case; an id twice is one id
        Assert.Equal(new[] { mine.Id }, ok.Acknowledged);
        Assert.Empty(ok.Refused);
        var twice = store.Messages.Ack("a", new[] { mine.Id }, Clock.GetUtcNow());
        Assert.Empty(twice.Acknowledged);
        Assert.Equal(new[] { mine.Id }, twice.AlreadyAcknowledged);
        Assert.Equal(1, twice.Cursor);
        Assert.Single(store.Messages.ReadUnread("b", 0));

        var none = store.Messages.Ack("b", Array.Empty<long>(), Clock.GetUtcNow());
        Assert.Empty(none.Acknowledged);
        Assert.Empty(none.Refused);
        Assert.Equal(0, none.Cursor);
    }

    [Fact]
    public void TakeUnread_reads_and_acks_the_oldest_in_one_step_and_the_cursor_follows()
    {
        var store = Open();
        Assert.Equal(0, store.Messages.Cursor("a"));
        for (int i = 1; i <= 5; i++) store.Messages.Send(Note("a", $"m{i}"));
        store.Messages.Send(Note("b", "not a's"));
        var first = store.Messages.TakeUnread("a", 3, Clock.GetUtcNow());
        Assert.Equal(new long[] { 1, 2, 3 }, first.Select(m => m.Seq));
        Assert.All(first, m => Assert.Equal(Clock.GetUtcNow(), m.AckedAt));
        Assert.Equal(3, store.Messages.Cursor("a"));
        Assert.Equal(new long[] { 4, 5 }, store.Messages.ReadUnread("a", 0).Select(m => m.Seq));
        var rest = store.Messages.TakeUnread("A", 0, Clock.GetUtcNow());
        Assert.Equal(new long[] { 4, 5 }, rest.Select(m => m.Seq));
        Assert.Empty(store.Messages.TakeUnread("a", 0, Clock.GetUtcNow()));
        Assert.Equal(5, store.Messages.Cursor("a"));
        Assert.Single(store.Messages.ReadUnread("b", 0)); // another recipient's are left alone
        Assert.Equal(0, store.Messages.Cursor("b"));
    }

    [Fact]
    public void Two_connections_taking_one_recipients_messages_at_once_take_each_message_exactly_once()
    {
        var stores = new[] { Open(), Open() };
        const int Total = 60;
        var ids = Enumerable.Range(0, Total).Select(i => stores[0].Messages.Send(Note("inbox", $"m{i}")).Id).ToList();
        var taken = new List<Message>[2];
        Parallel.For(0, 2, i =>
        {
            var mine = new List<Message>();
            IReadOnlyList<Message> batch;
            while ((batch = stores[i].Messages.TakeUnread("inbox", 3, Clock.GetUtcNow())).Count > 0) mine.AddRange(batch);
            taken[i] = mine;
        });
        Assert.Equal(ids, taken.SelectMany(t => t).Select(m => m.Id).OrderBy(id => id));
        Assert.Equal(Total, stores[1].Messages.Cursor("inbox"));
    }

    [Fact]
    public void The_cursor_is_the_end_of_the_acknowledged_prefix()
    {
        var store = Open();
        var ids = Enumerable.Range(1, 4).Select(i => store.Messages.Send(Note("a", $"m{i}")).Id).ToArray();
        store.Messages.Ack("a", new[] { ids[1], ids[3] }, Clock.GetUtcNow());
        Assert.Equal(0, store.Messages.Cursor("a")); // #1 is unread
        store.Messages.Ack("a", new[] { ids[0] }, Clock.GetUtcNow());
        Assert.Equal(2, store.Messages.Cursor("A")); // #3 is unread
        var last = store.Messages.Ack("a", new[] { ids[2] }, Clock.GetUtcNow());
        Assert.Equal(4, last.Cursor);
        Assert.Equal(4, store.Messages.Cursor("a"));
    }

    [Fact]
    public void Messages_and_sequence_numbers_survive_reopening()
    {
        using (var store = CreateStore())
        {
            store.Messages.Send(Note("a", "one"));
            store.Messages.Send(Note("a", "two"));
        }
        var reopened = Open();
        Assert.Equal(3, reopened.Messages.Send(Note("a", "three")).Seq);
        Assert.Equal(3, reopened.Messages.ReadUnread("a", 0).Count);
    }

    // ---------------------------------------------------------------- statuses

    [Fact]
    public void Status_set_replaces_the_agents_previous_status_and_can_record_presence()
    {
        var store = Open();
        store.Statuses.Set("a1", "in_progress", new[] { "src/a.cs", "src/b.cs" }, "1205", "halfway", Clock.GetUtcNow());
        Clock.Advance(TimeSpan.FromMinutes(1));
        var touch = new AgentTouch("b2", "host1", 7, null);
        store.Statuses.Set("b2", "blocked", Array.Empty<string>(), null, null, Clock.GetUtcNow(), touch);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var replaced = store.Statuses.Set("A1", "completed", new[] { "src/a.cs" }, "1205", null, Clock.GetUtcNow());

        Assert.Equal("completed", replaced.Status);
        Assert.Equal(new[] { "src/a.cs" }, replaced.Files);
        var list = store.Statuses.List();
        Assert.Equal(new[] { "a1", "b2" }, list.Select(s => s.Name)); // most recently updated first, one row per agent
        Assert.Equal(new[] { "src/a.cs" }, list[0].Files);
        Assert.Equal("1205", list[0].TicketId);
        Assert.Null(list[0].Note);
        Assert.Equal(Clock.GetUtcNow(), list[0].UpdatedAt);
        Assert.Empty(list[1].Files);
        Assert.Equal("host1", store.Agents.Get("b2")!.Host); // presence recorded in the same write
        Assert.Null(store.Agents.Get("a1"));
    }

    [Fact]
    public void Statuses_updated_at_the_same_time_list_by_name_ignoring_case()
    {
        var store = Open();
        foreach (var agent in new[] { "carol", "B", "a" })
            store.Statuses.Set(agent, "idle", Array.Empty<string>(), null, null, Clock.GetUtcNow());
        Assert.Equal(new[] { "a", "B", "carol" }, store.Statuses.List().Select(s => s.Name));
        Assert.Equal("a", Open().Statuses.List()[0].Name);
    }
}

public sealed class SqliteMessageStoreConformanceTests : MessageStoreConformanceTests
{
    protected override IFastbandStore CreateStore() => new SqliteStore(Path.Combine(Folder, "messages.db"), Clock);
}
