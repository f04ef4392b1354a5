using Fastband.Core.Events;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>What every store must do for the interaction event log and the agents' cursors; the rules above it are EventService's.</summary>
public abstract class EventStoreConformanceTests : IDisposable
{
    private readonly List<IFastbandStore> _opened = new();
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    protected readonly ManualClock Clock = new();

    /// <summary>Calling it twice reopens the same data.</summary>
    protected abstract IFastbandStore CreateStore(TimeProvider clock);

    protected IEventStore Open()
    {
        var s = CreateStore(Clock);
        _opened.Add(s);
        return s.Events;
    }

    public virtual void Dispose()
    {
        foreach (var s in _opened) s.Dispose();
    }

    private static NewEvent Current(string actor, string type, string content) => new(InteractionChoice.Current, 0, actor, type, content);

    private static NewEvent New(string actor, string type, string content) => new(InteractionChoice.New, 0, actor, type, content);

    private static NewEvent In(long interaction, string actor, string type, string content) => new(InteractionChoice.Number, interaction, actor, type, content);

    private static InteractionEvent Stored(IEventStore store, NewEvent e) => store.Append(new[] { e }, Wait)[0]!;

    [Fact]
    public void Appends_get_increasing_ids_and_come_back_whole_in_id_order_after_reopening()
    {
        var store = Open();
        Assert.Equal(0, store.LatestId());
        Assert.Empty(store.Append(Array.Empty<NewEvent>(), Wait));
        var first = store.Append(new[] { Current("alice", "question", "q é ✓"), Current("bob", "answer", "a") }, Wait);
        var third = Stored(store, Current("alice", "followup", "f"));
        Assert.True(first[0]!.Id < first[1]!.Id && first[1]!.Id < third.Id);
        Assert.Equal(("alice", "question", "q é ✓", Clock.GetUtcNow()), (first[0]!.Actor, first[0]!.Type, first[0]!.Content, first[0]!.Timestamp));

        var reopened = Open();
        Assert.Equal(third.Id, reopened.LatestId());
        var all = reopened.Read(new EventQuery());
        Assert.Equal(new[] { first[0]!.Id, first[1]!.Id, third.Id }, all.Select(e => e.Id));
        Assert.Equal(("bob", "answer", "a", 1L, Clock.GetUtcNow()), (all[1].Actor, all[1].Type, all[1].Content, all[1].Interaction, all[1].Timestamp));
    }

    [Fact]
    public void Interactions_are_resolved_in_the_store_current_new_or_the_number_given()
    {
        var store = Open();
        Assert.Equal(1, Stored(store, Current("a", "question", "first")).Interaction); // the current one of an empty log is 1
        Assert.Equal(1, Stored(store, Current("a", "answer", "still the first")).Interaction);
        Assert.Equal(2, Stored(store, New("a", "question", "second")).Interaction);
        Assert.Equal(7, Stored(store, In(7, "a", "question", "seventh")).Interaction);
        Assert.Equal(3, Stored(store, In(3, "a", "answer", "back in the third")).Interaction);
        Assert.Equal(7, Stored(store, Current("a", "answer", "the highest is current")).Interaction);
        // In one append, each event sees the ones before it.
        var batch = store.Append(new[] { New("a", "question", "eighth"), Current("a", "answer", "also eighth"), New("a", "question", "ninth") }, Wait);
        Assert.Equal(new long[] { 8, 8, 9 }, batch.Select(e => e!.Interaction));

        var byInteraction = Open().ReadByInteraction();
        Assert.Equal(new long[] { 1, 1, 2, 3, 7, 7, 8, 8, 9 }, byInteraction.Select(e => e.Interaction));
        Assert.Equal("back in the third", byInteraction[3].Content);
        Assert.True(byInteraction[4].Id < byInteraction[5].Id); // then by id
    }

    [Fact]
    public void Times_never_go_back_as_ids_go_up_unless_an_event_brings_its_own()
    {
        var store = Open();
        var t0 = Clock.GetUtcNow();
        Assert.Equal(t0, Stored(store, Current("a", "question", "now")).Timestamp);
        Clock.Advance(TimeSpan.FromHours(-1)); // the clock is stepped back
        Assert.Equal(t0, Stored(store, Current("a", "answer", "not before the newest")).Timestamp);
        var both = store.Append(new[] { Current("a", "answer", "x"), Current("a", "answer", "y") }, Wait);
        Assert.All(both, e => Assert.Equal(t0, e!.Timestamp));

        var imported = Stored(store, Current("a", "question", "from a file") with { Timestamp = t0.AddDays(-3) });
        Assert.Equal(t0.AddDays(-3), imported.Timestamp);
        // The newest event is now the imported one: now (an hour back) is after it.
        Assert.Equal(t0.AddHours(-1), Stored(store, Current("a", "answer", "after the import")).Timestamp);
        Assert.Equal(new[] { t0, t0, t0, t0, t0.AddDays(-3), t0.AddHours(-1) }, Open().Read(new EventQuery()).Select(e => e.Timestamp));
    }

    [Fact]
    public void An_event_whose_uid_is_stored_is_skipped_in_the_same_append_and_in_later_ones()
    {
        var store = Open();
        var e = Current("a", "question", "queued offline") with { Uid = "u-1" };
        var first = store.Append(new[] { e, e, Current("a", "answer", "other") with { Uid = "u-2" } }, Wait);
        Assert.NotNull(first[0]);
        Assert.Null(first[1]);
        Assert.NotNull(first[2]);
        long latest = store.LatestId();

        Clock.Advance(TimeSpan.FromMinutes(5)); // a replay later: another time, so another fingerprint; the uid decides
        var replay = Open().Append(new[] { e, Current("a", "answer", "new") with { Uid = "u-3" } }, Wait);
        Assert.Null(replay[0]);
        Assert.True(replay[1]!.Id > latest);
        Assert.Equal(new[] { "queued offline", "other", "new" }, store.Read(new EventQuery()).Select(x => x.Content));
    }

    [Fact]
    public void Identical_events_count_as_occurrences_and_a_stored_occurrence_is_skipped()
    {
        var store = Open();
        var at = Clock.GetUtcNow().AddDays(-1);
        var same = Current("a", "question", "again") with { Timestamp = at };
        // Counted in the store: the same five fields twice are occurrences 1 and 2, both kept.
        var counted = store.Append(new[] { same, same }, Wait);
        Assert.All(counted, x => Assert.NotNull(x));
        Assert.NotEqual(counted[0]!.Id, counted[1]!.Id);

        // An import names the occurrence: the stored ones are skipped, a third is new.
        var imported = Open().Append(new[] { same with { Occurrence = 1 }, same with { Occurrence = 2 }, same with { Occurrence = 3 } }, Wait);
        Assert.Null(imported[0]);
        Assert.Null(imported[1]);
        Assert.NotNull(imported[2]);
        Assert.Equal(3, store.Read(new EventQuery()).Count);
        // A different field is a different event.
        Assert.NotNull(Stored(store, same with { Occurrence = 1, Content = "other" }));
    }

    private (IEventStore Store, long[] Ids, DateTimeOffset Later) Conversation()
    {
        var store = Open();
        var ids = new List<long>
        {
            Stored(store, New("alice", "question", "q1")).Id,
            Stored(store, Current("bob", "answer", "a1")).Id,
        };
        Clock.Advance(TimeSpan.FromMinutes(10));
        var later = Clock.GetUtcNow();
        ids.Add(Stored(store, New("Alice", "followup", "f2")).Id);
        ids.Add(Stored(store, Current("carol", "error", "e2")).Id);
        ids.Add(Stored(store, Current("bob", "answer", "a2")).Id);
        return (store, ids.ToArray(), later);
    }

    private static string[] Contents(IEventStore store, EventQuery query) => store.Read(query).Select(e => e.Content).ToArray();

    [Fact]
    public void Reads_filter_by_interaction_type_actor_ignoring_case_cursor_and_time_oldest_first()
    {
        var (store, ids, later) = Conversation();
        Assert.Equal(new[] { "f2", "e2", "a2" }, Contents(store, new EventQuery { Interaction = 2 }));
        Assert.Equal(new[] { "q1", "f2" }, Contents(store, new EventQuery { Actor = "ALICE" }));
        Assert.Equal(new[] { "a1", "e2", "a2" }, Contents(store, new EventQuery { Types = new[] { "answer", "error" } }));
        Assert.Equal(new[] { "e2" }, Contents(store, new EventQuery { Types = new[] { "error" } }));
        Assert.Empty(Contents(store, new EventQuery { Types = new[] { "heartbeat" } }));
        Assert.Equal(new[] { "e2", "a2" }, Contents(store, new EventQuery { AfterId = ids[2] }));
        Assert.Empty(Contents(store, new EventQuery { AfterId = ids[4] }));
        Assert.Equal(new[] { "f2", "e2", "a2" }, Contents(store, new EventQuery { Since = later }));
        Assert.Equal(new[] { "a2" }, Contents(store, new EventQuery { Actor = "bob", Interaction = 2, Types = new[] { "answer" } }));
    }

    [Fact]
    public void A_limit_reads_the_newest_and_first_the_oldest_both_handed_back_oldest_first()
    {
        var (store, ids, _) = Conversation();
        Assert.Equal(new[] { "e2", "a2" }, Contents(store, new EventQuery { Limit = 2 }));
        Assert.Equal(new[] { "q1", "a1" }, Contents(store, new EventQuery { First = 2 }));
        Assert.Equal(new[] { "f2", "a2" }, Contents(store, new EventQuery { Limit = 2, Types = new[] { "answer", "followup" }, AfterId = ids[1] }));
        Assert.Equal(new[] { "e2" }, Contents(store, new EventQuery { First = 1, AfterId = ids[2] })); // a cursor's next page
        Assert.Equal(5, Contents(store, new EventQuery { Limit = 50 }).Length);
    }

    [Fact]
    public void Interactions_of_events_and_counts_after_an_id()
    {
        var (store, ids, _) = Conversation();
        Assert.Equal(1, store.InteractionOf(ids[1]));
        Assert.Equal(2, store.InteractionOf(ids[2]));
        Assert.Null(store.InteractionOf(ids[4] + 1));
        Assert.Equal(ids[1], store.LastIdUpToInteraction(1));
        Assert.Equal(ids[4], store.LastIdUpToInteraction(5));
        Assert.Equal(0, store.LastIdUpToInteraction(0));
        Assert.Equal(3, store.CountAfter(ids[1]));
        Assert.Equal(5, store.CountAfter(0));
        Assert.Equal(0, store.CountAfter(ids[4]));
    }

    [Fact]
    public void A_cursor_starts_absent_moves_only_forward_and_is_one_per_agent_ignoring_case()
    {
        var (store, ids, _) = Conversation();
        Assert.Null(store.Cursor("alice"));
        Assert.Equal((ids[2], 2L, 2L), store.Ack("alice", ids[2], Clock.GetUtcNow(), Wait));
        Assert.Equal(ids[2], store.Cursor("alice"));
        // Never back: an older acknowledgement leaves the cursor where it is, and says so.
        Assert.Equal((ids[2], 2L, 2L), store.Ack("ALICE", ids[0], Clock.GetUtcNow(), Wait));
        Assert.Equal(ids[2], Open().Cursor("Alice"));
        Assert.Equal((ids[4], 2L, 0L), store.Ack("Alice", ids[4], Clock.GetUtcNow(), Wait));
        Assert.Equal(ids[4], store.Cursor("alice"));
        Assert.Null(store.Cursor("bob"));
        Assert.Equal((ids[0], 1L, 4L), store.Ack("bob", ids[0], Clock.GetUtcNow(), Wait));
        // A new event is pending for both.
        Stored(store, Current("carol", "question", "q3"));
        Assert.Equal((ids[4], 2L, 1L), store.Ack("alice", 0, Clock.GetUtcNow(), Wait));
        Assert.Equal(ids[0], store.Cursor("bob"));
    }

    [Fact]
    public void A_cursor_at_nothing_yet_has_interaction_zero()
    {
        var store = Open();
        Assert.Equal((0L, 0L, 0L), store.Ack("alice", 0, Clock.GetUtcNow(), Wait));
        Assert.Equal(0, store.Cursor("alice"));
        Stored(store, Current("bob", "question", "q"));
        Assert.Equal((0L, 0L, 1L), store.Ack("alice", 0, Clock.GetUtcNow(), Wait));
    }

    [Fact]
    public void An_append_that_stores_an_event_wakes_listeners_on_the_events_topic_of_a_pushing_store()
    {
        var s = CreateStore(Clock);
        _opened.Add(s);
        if (!s.Notifications.Pushes) return; // polled: nothing to push
        using var listener = s.Notifications.Listen(StoreTopics.Events);
        var other = Open(); // another connection writes
        Stored(other, Current("a", "question", "wake up"));
        Assert.True(listener.WaitForChange(TimeSpan.FromMinutes(1), CancellationToken.None), "no notification arrived");
    }
}

public sealed class SqliteEventStoreConformanceTests : EventStoreConformanceTests
{
    private readonly TempProject _dir = new();

    protected override IFastbandStore CreateStore(TimeProvider clock) => new SqliteStore(Path.Combine(_dir.Root, ".fastband", "fastband.db"), clock);

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
