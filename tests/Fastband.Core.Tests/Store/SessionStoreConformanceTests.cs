using Fastband.Core.Git;
using Fastband.Core.Sessions;
using Fastband.Core.Store;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>What every store must do for session state and the git safety net's records; validation is SessionService's.</summary>
public abstract class SessionStoreConformanceTests : IDisposable
{
    private readonly List<IFastbandStore> _opened = new();
    protected readonly DateTimeOffset Now = ManualClock.RealNowToTheSecond(); // the store itself runs on the real clock

    /// <summary>Calling it twice reopens the same data.</summary>
    protected abstract IFastbandStore CreateStore();

    protected IFastbandStore Open()
    {
        var s = CreateStore();
        _opened.Add(s);
        return s;
    }

    public virtual void Dispose()
    {
        foreach (var s in _opened) s.Dispose();
    }

    private SessionState State(string id, string conversation, string? task, DateTimeOffset at) => new()
    {
        SessionId = id, Agent = "alice", ConversationHistory = conversation, AgentContexts = "{\"k\":\"v\"}", TaskProgress = null,
        CurrentTask = task, MessageCount = 1, CreatedAt = at, UpdatedAt = at,
    };

    [Fact]
    public void A_session_is_saved_whole_replaced_keeping_its_creation_time_and_listed_newest_first()
    {
        var store = Open();
        string big = "[\"" + new string('x', 3_000_000) + "\u00e9\"]";
        store.Sessions.SaveSession(State("s1", big, "T1", Now));
        store.Sessions.SaveSession(State("s2", "[2]", null, Now.AddMinutes(1)));
        var replaced = store.Sessions.SaveSession(State("s1", "[3]", "T3", Now.AddMinutes(2)));
        Assert.Equal(Now, replaced.CreatedAt);
        Assert.Equal(Now.AddMinutes(2), replaced.UpdatedAt);

        var reopened = Open();
        var s1 = reopened.Sessions.GetSession("s1")!;
        Assert.Equal("[3]", s1.ConversationHistory);
        Assert.Equal("{\"k\":\"v\"}", s1.AgentContexts);
        Assert.Null(s1.TaskProgress);
        Assert.Equal("T3", s1.CurrentTask);
        Assert.Equal("alice", s1.Agent);
        Assert.Null(reopened.Sessions.GetSession("nope"));
        Assert.Equal(new[] { "s1", "s2" }, reopened.Sessions.ListSessions().Select(s => s.SessionId));

        store.Sessions.SaveSession(State("s3", big, null, Now.AddMinutes(3)));
        Assert.Equal(big, Open().Sessions.GetSession("s3")!.ConversationHistory);
        // Size in UTF-8 bytes: the conversation (3,000,000 x, a 2-byte é, 4 bytes of brackets and quotes) and the contexts (9).
        Assert.Equal(3_000_006 + 9, reopened.Sessions.ListSessions().First().SizeBytes);
    }

    [Fact]
    public void Every_field_of_a_session_round_trips_and_the_bytes_given_are_what_is_stored()
    {
        var store = Open();
        var state = new SessionState
        {
            SessionId = "full", Agent = null, ConversationHistory = "[\"\u00e9 \u2713\"]", AgentContexts = null, TaskProgress = "{\"done\":3}",
            CurrentTask = "T9", MessageCount = 42, CreatedAt = Now, UpdatedAt = Now.AddSeconds(5),
        };
        var saved = store.Sessions.SaveSession(state);
        Assert.Equal(("full", null, "T9", 42), (saved.SessionId, saved.Agent, saved.CurrentTask, saved.MessageCount));
        Assert.Equal(Now.AddSeconds(5), saved.CreatedAt); // a new session is created when it is first saved
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(state.ConversationHistory) + 10, saved.SizeBytes);

        var back = Open().Sessions.GetSession("full")!;
        Assert.Equal((state.ConversationHistory, (string?)null, (string?)null, "{\"done\":3}", "T9", 42),
            (back.ConversationHistory, back.Agent, back.AgentContexts, back.TaskProgress, back.CurrentTask, back.MessageCount));
        Assert.Equal((Now.AddSeconds(5), Now.AddSeconds(5)), (back.CreatedAt, back.UpdatedAt));
        var listed = Assert.Single(Open().Sessions.ListSessions());
        Assert.Equal(("full", 42, saved.SizeBytes), (listed.SessionId, listed.MessageCount, listed.SizeBytes));

        // The validation's UTF-8 bytes, when given, are stored as they are (not the string encoded again).
        store.Sessions.SaveSession(new SessionState
        {
            SessionId = "utf8", ConversationHistory = "[1]", ConversationUtf8 = System.Text.Encoding.UTF8.GetBytes("[2]"),
            MessageCount = 1, CreatedAt = Now, UpdatedAt = Now,
        });
        Assert.Equal("[2]", Open().Sessions.GetSession("utf8")!.ConversationHistory);
    }

    [Fact]
    public void Checkpoints_and_snapshots_are_listed_newest_first_without_their_state()
    {
        var store = Open();
        var state = State("s1", "[1]", "T1", Now);
        store.Sessions.SaveSnapshot(new SnapshotRecord("old", "aaaa", null, "alice", null, null, Now));
        store.Sessions.SaveSnapshot(new SnapshotRecord("new", "bbbb", "why", "bob", "s1", state, Now.AddMinutes(1)));
        store.Sessions.SaveCheckpoint(new CheckpointRecord("c-old", "cccc", null, "alice", null, state, Now));
        store.Sessions.SaveCheckpoint(new CheckpointRecord("c-new", "dddd", "d", "bob", "s1", null, Now.AddMinutes(1)));

        var reopened = Open();
        var snapshots = reopened.Sessions.ListSnapshots();
        Assert.Equal(new[] { ("new", true), ("old", false) }, snapshots.Select(s => (s.Record.SnapshotId, s.HasState)));
        Assert.All(snapshots, s => Assert.Null(s.Record.SessionState));
        Assert.Equal(("bbbb", "why", "bob", "s1", Now.AddMinutes(1)), (snapshots[0].Record.CommitId, snapshots[0].Record.Reason, snapshots[0].Record.Agent, snapshots[0].Record.SessionId, snapshots[0].Record.CreatedAt));
        var old = reopened.Sessions.GetSnapshot("old")!;
        Assert.Equal(((string?)null, (string?)null, (SessionState?)null), (old.Reason, old.SessionId, old.SessionState));
        var checkpoints = reopened.Sessions.ListCheckpoints();
        Assert.Equal(new[] { ("c-new", false), ("c-old", true) }, checkpoints.Select(c => (c.Record.Name, c.HasState)));
        Assert.All(checkpoints, c => Assert.Null(c.Record.SessionState));
        Assert.Equal("[1]", reopened.Sessions.GetCheckpoint("c-old")!.SessionState!.ConversationHistory);
        Assert.Null(reopened.Sessions.GetCheckpoint("nope"));
    }

    [Fact]
    public void Checkpoint_and_snapshot_records_keep_their_session_state_and_a_checkpoint_is_replaced_by_name()
    {
        var store = Open();
        var state = State("s1", "[{\"role\":\"user\"}]", "T1", Now);
        store.Sessions.SaveCheckpoint(new CheckpointRecord("cp", "aaaa", "first", "alice", "s1", state, Now));
        store.Sessions.SaveCheckpoint(new CheckpointRecord("cp", "bbbb", "moved", "bob", null, null, Now.AddMinutes(1)));
        store.Sessions.SaveCheckpoint(new CheckpointRecord("other", "cccc", null, "alice", "s1", state, Now.AddMinutes(2)));
        store.Sessions.SaveSnapshot(new SnapshotRecord("snap1", "dddd", "before restore", "alice", "s1", state, Now));

        var reopened = Open();
        var cp = reopened.Sessions.GetCheckpoint("cp")!;
        Assert.Equal(("bbbb", "moved", "bob"), (cp.CommitId, cp.Description, cp.Agent));
        Assert.Null(cp.SessionState);
        var other = reopened.Sessions.GetCheckpoint("other")!;
        Assert.Equal(state.ConversationHistory, other.SessionState!.ConversationHistory);
        Assert.Equal("T1", other.SessionState.CurrentTask);
        Assert.Equal(new[] { ("other", true), ("cp", false) }, reopened.Sessions.ListCheckpoints().Select(c => (c.Record.Name, c.HasState)));
        var snap = reopened.Sessions.GetSnapshot("snap1")!;
        Assert.Equal("before restore", snap.Reason);
        Assert.Equal("{\"k\":\"v\"}", snap.SessionState!.AgentContexts);
        Assert.True(Assert.Single(reopened.Sessions.ListSnapshots()).HasState);
        Assert.Null(reopened.Sessions.GetSnapshot("nope"));
    }
}

public sealed class SqliteSessionStoreConformanceTests : SessionStoreConformanceTests
{
    private readonly TempProject _dir = new();

    protected override IFastbandStore CreateStore() => new SqliteStore(Path.Combine(_dir.Root, ".fastband", "fastband.db"));

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
