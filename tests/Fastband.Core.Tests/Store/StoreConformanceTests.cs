using Fastband.Core.OpsLog;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>
/// What every store must do. A new backend subclasses this with its own <see cref="CreateStore"/> and
/// passes the same tests; the features above the store rely on nothing else.
/// </summary>
public abstract class StoreConformanceTests : IDisposable
{
    protected readonly ManualClock Clock = new();
    private readonly List<IFastbandStore> _opened = new();

    /// <summary>A new, empty store. Calling it twice with the same <paramref name="name"/> reopens the same data.</summary>
    protected abstract IFastbandStore CreateStore(TimeProvider clock, string name = "main");

    protected IFastbandStore Open(string name = "main")
    {
        var store = CreateStore(Clock, name);
        _opened.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var s in _opened) s.Dispose();
    }

    private static NewOpsLogEntry Entry(string agent = "a1", string type = OpsEventType.General, string message = "m",
        string? ticket = null, IReadOnlyDictionary<string, object?>? meta = null) =>
        new(agent, type, message, ticket, meta ?? new Dictionary<string, object?>(), "host1", 4242);

    [Fact]
    public void Append_assigns_increasing_ids_and_the_clock_time()
    {
        var store = Open();
        var first = store.OpsLog.Append(Entry(message: "one"), null);
        Clock.Advance(TimeSpan.FromSeconds(5));
        var second = store.OpsLog.Append(Entry(message: "two"), null);

        Assert.True(second.Id > first.Id);
        Assert.Equal(Clock.GetUtcNow(), second.Timestamp);
        Assert.Equal(second.Id, store.OpsLog.LatestId());
        Assert.Equal(2, store.OpsLog.Count());
    }

    [Fact]
    public void Timestamps_never_go_backwards_even_when_the_clock_does()
    {
        var store = Open();
        var first = store.OpsLog.Append(Entry(message: "before the step"), null);
        Clock.Advance(TimeSpan.FromMinutes(-10)); // an NTP step back
        var second = store.OpsLog.Append(Entry(message: "after the step"), null);
        Assert.True(second.Id > first.Id);
        Assert.True(second.Timestamp >= first.Timestamp);
        Assert.Equal(new[] { "after the step", "before the step" }, store.OpsLog.Query(new OpsLogQuery()).Select(e => e.Message));
        Assert.Equal(new[] { "before the step", "after the step" }, store.OpsLog.Query(new OpsLogQuery { OldestFirst = true }).Select(e => e.Message));
    }

    [Fact]
    public void Query_returns_newest_first_and_honours_every_filter()
    {
        var store = Open();
        store.OpsLog.Append(Entry("a1", OpsEventType.TicketClaimed, "claim", "1205"), null);
        Clock.Advance(TimeSpan.FromMinutes(10));
        store.OpsLog.Append(Entry("a2", OpsEventType.Hold, "hold"), null);
        Clock.Advance(TimeSpan.FromMinutes(10));
        var last = store.OpsLog.Append(Entry("A1", OpsEventType.General, "late", "1206"), null);

        var all = store.OpsLog.Query(new OpsLogQuery { Limit = 0 });
        Assert.Equal(new[] { "late", "hold", "claim" }, all.Select(e => e.Message));

        Assert.Equal(new[] { "late", "hold" }, Messages(store, new OpsLogQuery { Since = Clock.GetUtcNow() - TimeSpan.FromMinutes(15) }));
        Assert.Equal(new[] { "hold", "claim" }, Messages(store, new OpsLogQuery { Until = Clock.GetUtcNow() - TimeSpan.FromMinutes(5) }));
        Assert.Equal(new[] { "late", "claim" }, Messages(store, new OpsLogQuery { Agent = "a1" })); // agent names ignore case
        Assert.Equal(new[] { "hold" }, Messages(store, new OpsLogQuery { EventTypes = new[] { OpsEventType.Hold } }));
        Assert.Equal(new[] { "claim" }, Messages(store, new OpsLogQuery { TicketId = "1205" }));
        Assert.Equal(new[] { "late" }, Messages(store, new OpsLogQuery { AfterId = last.Id - 1 }));
        Assert.Equal(new[] { "late" }, Messages(store, new OpsLogQuery { Limit = 1 }));
    }

    private static IEnumerable<string> Messages(IFastbandStore store, OpsLogQuery q) => store.OpsLog.Query(q).Select(e => e.Message);

    [Fact]
    public void Metadata_round_trips_with_nested_values()
    {
        var store = Open();
        var meta = new Dictionary<string, object?>
        {
            ["pr"] = "481", ["count"] = 3L, ["ratio"] = 0.5, ["ok"] = true, ["none"] = null,
            ["files"] = new object?[] { "a.cs", "b.cs" },
            ["nested"] = new Dictionary<string, object?> { ["k"] = "v" },
        };
        store.OpsLog.Append(Entry(meta: meta), null);

        var back = store.OpsLog.Query(new OpsLogQuery()).Single().Metadata;
        Assert.Equal("481", back["pr"]);
        Assert.Equal(3L, back["count"]);
        Assert.Equal(0.5, back["ratio"]);
        Assert.Equal(true, back["ok"]);
        Assert.Null(back["none"]);
        Assert.Equal(new object?[] { "a.cs", "b.cs" }, (object?[])back["files"]!);
        Assert.Equal("v", ((IReadOnlyDictionary<string, object?>)back["nested"]!)["k"]);
        Assert.Equal("481", back["PR"]); // keys ignore case, as PowerShell users expect
    }

    [Fact]
    public void Append_records_presence_and_ticket_changes_in_the_same_write()
    {
        var store = Open();
        var touch = new AgentTouch("a1", "host1", 10, Clock.GetUtcNow());
        store.OpsLog.Append(Entry(), touch with { Ticket = TicketChange.Set, TicketId = "1205" });
        Assert.Equal("1205", store.Agents.Get("a1")!.CurrentTicket);

        Clock.Advance(TimeSpan.FromMinutes(1));
        store.OpsLog.Append(Entry(), touch);
        var seen = store.Agents.Get("A1")!;
        Assert.Equal("1205", seen.CurrentTicket);
        Assert.Equal(Clock.GetUtcNow(), seen.LastSeenAt);

        store.OpsLog.Append(Entry(), touch with { Ticket = TicketChange.Clear, TicketId = "9999" });
        Assert.Equal("1205", store.Agents.Get("a1")!.CurrentTicket); // completing another ticket leaves this one

        store.OpsLog.Append(Entry(), touch with { Ticket = TicketChange.Clear, TicketId = "1205" });
        Assert.Null(store.Agents.Get("a1")!.CurrentTicket);
    }

    [Fact]
    public void Register_creates_then_refreshes_one_session_per_agent()
    {
        var store = Open();
        var first = store.Agents.Register(new AgentTouch("a1", "h", 1, null), Clock.GetUtcNow());
        Clock.Advance(TimeSpan.FromMinutes(3));
        store.Agents.Register(new AgentTouch("b2", "h", 2, null), Clock.GetUtcNow());
        Clock.Advance(TimeSpan.FromMinutes(3));
        var again = store.Agents.Register(new AgentTouch("a1", "h2", 3, null), Clock.GetUtcNow());

        Assert.Equal(2, store.Agents.List().Count);
        Assert.Equal("a1", store.Agents.List()[0].Name); // most recently seen first
        Assert.Equal("h2", again.Host);
        Assert.Equal(3, again.ProcessId);
        Assert.True(again.RegisteredAt > first.RegisteredAt);
        Assert.Null(store.Agents.Get("nobody"));
    }

    [Fact]
    public void MoveOlderThan_deletes_only_what_the_sink_accepted()
    {
        var store = Open();
        store.OpsLog.Append(Entry(message: "old1"), null);
        store.OpsLog.Append(Entry(message: "old2"), null);
        Clock.Advance(TimeSpan.FromDays(40));
        store.OpsLog.Append(Entry(message: "new"), null);
        var cutoff = Clock.GetUtcNow() - TimeSpan.FromDays(30);

        Assert.Throws<IOException>(() => store.OpsLog.MoveOlderThan(cutoff, 10, _ => throw new IOException("disk full")));
        Assert.Equal(3, store.OpsLog.Count());

        var moved = new List<string>();
        int n = store.OpsLog.MoveOlderThan(cutoff, 1, batch => moved.AddRange(batch.Select(e => e.Message)));
        Assert.Equal(1, n);
        n = store.OpsLog.MoveOlderThan(cutoff, 10, batch => moved.AddRange(batch.Select(e => e.Message)));
        Assert.Equal(1, n);
        Assert.Equal(0, store.OpsLog.MoveOlderThan(cutoff, 10, _ => throw new InvalidOperationException("not called")));
        Assert.Equal(new[] { "old1", "old2" }, moved);
        Assert.Equal(new[] { "new" }, store.OpsLog.Query(new OpsLogQuery()).Select(e => e.Message));
    }

    [Fact]
    public void Data_survives_reopening_and_ids_never_repeat_after_deletes()
    {
        long lastId;
        using (var store = CreateStore(Clock, "reopen"))
        {
            store.OpsLog.Append(Entry(message: "kept"), null);
            lastId = store.OpsLog.Append(Entry(message: "archived"), null).Id;
            Clock.Advance(TimeSpan.FromDays(1));
            store.OpsLog.MoveOlderThan(Clock.GetUtcNow(), 100, _ => { });
        }
        var reopened = Open("reopen");
        Assert.Equal(0, reopened.OpsLog.Count());
        var next = reopened.OpsLog.Append(Entry(), null);
        Assert.True(next.Id > lastId, "an id must never be reused, or follow-mode cursors would skip entries");
        Assert.True(reopened.SchemaVersion >= 1);
    }
}

public sealed class SqliteStoreConformanceTests : StoreConformanceTests
{
    private readonly TempProject _dir = new();

    protected override IFastbandStore CreateStore(TimeProvider clock, string name = "main") =>
        new SqliteStore(Path.Combine(_dir.Root, name + ".db"), clock);

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
