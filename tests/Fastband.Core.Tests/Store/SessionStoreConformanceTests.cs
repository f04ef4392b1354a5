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
