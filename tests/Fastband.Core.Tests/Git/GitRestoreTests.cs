using Fastband.Core.Git;
using Fastband.Core.Sessions;
using Xunit;

namespace Fastband.Core.Tests.Git;

/// <summary>Snapshots and restores: nothing uncommitted is ever lost, byte for byte, and a restore can be undone.</summary>
public sealed class GitRestoreTests : IDisposable
{
    private readonly GitTestRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    // Content git must not mangle: a NUL, CRLF, invalid UTF-8, no final newline.
    private static readonly byte[] Binary = { 0, 1, 2, 0xff, 0xfe, (byte)'\r', (byte)'\n', (byte)'x', 0x80 };

    /// <summary>Work after a checkpoint: a staged change, a different unstaged change on top, an edit, a deletion, untracked and ignored files.</summary>
    private void MakeMess()
    {
        _repo.Write("staged.txt", "staged version\n");
        _repo.Git("add", "staged.txt");
        _repo.Write("staged.txt", "work tree version\n");
        _repo.WriteBytes("tracked.bin", Binary);
        File.Delete(_repo.Path("README.md"));
        _repo.WriteBytes("untracked/deep/file.bin", Binary.Reverse().ToArray());
        _repo.Write("untracked.txt", "brand new\n");
        _repo.Write("ignored.log", "ignored\n");
    }

    private FastbandProject SetUp(string agent = "alice", string? session = null)
    {
        _repo.Write(".gitignore", "*.log\n");
        _repo.Write("tracked.bin", "original\n");
        _repo.Write("staged.txt", "original staged\n");
        var p = _repo.As(agent, session);
        p.Git.CreateCheckpoint("cp", "clean state");
        return p;
    }

    [Fact]
    public void Restore_snapshots_dirty_and_untracked_files_first_then_resets_and_the_snapshot_has_every_byte()
    {
        var p = SetUp();
        string checkpoint = _repo.Head();
        MakeMess();
        string indexBefore = _repo.Git("ls-files", "-s");

        var r = p.Git.RestoreCheckpoint("cp");

        // The work tree is the checkpoint's; untracked files it does not have are left in place by default.
        Assert.Equal(checkpoint, _repo.Head());
        Assert.Equal("original\n", _repo.Read("tracked.bin"));
        Assert.Equal("original staged\n", _repo.Read("staged.txt"));
        Assert.Equal("hello\n", _repo.Read("README.md"));
        Assert.True(File.Exists(_repo.Path("untracked.txt")));
        Assert.Contains("untracked.txt", r.UntrackedKept);
        Assert.Empty(r.UntrackedRemoved);
        Assert.Contains("tracked.bin", r.ChangedFiles);

        // Everything that was uncommitted is in the snapshot, byte for byte; ignored files and the store are not.
        var snap = r.Snapshot!;
        Assert.Contains(snap.RestoreCommand, r.Message);
        Assert.Equal(snap.CommitId, _repo.Git("rev-parse", "refs/fastband/snapshots/" + snap.Id).Trim());
        Assert.Equal(Binary, _repo.Blob(snap.CommitId, "tracked.bin"));
        Assert.Equal("work tree version\n"u8.ToArray(), _repo.Blob(snap.CommitId, "staged.txt"));
        Assert.Equal(Binary.Reverse().ToArray(), _repo.Blob(snap.CommitId, "untracked/deep/file.bin"));
        Assert.Equal("brand new\n"u8.ToArray(), _repo.Blob(snap.CommitId, "untracked.txt"));
        var files = _repo.Git("ls-tree", "-r", "--name-only", snap.CommitId);
        Assert.DoesNotContain("README.md", files);
        Assert.DoesNotContain("ignored.log", files);
        Assert.DoesNotContain(".fastband", files);
        Assert.Equal(checkpoint, snap.BaseCommit);
        Assert.Equal("staged version\n"u8.ToArray(), _repo.Blob(snap.CommitId + "^2", "staged.txt")); // the index, kept too

        // Undo: restoring the snapshot brings back HEAD, the index (staged vs unstaged) and every file.
        var undo = p.Git.RestoreSnapshot(snap.Id);
        Assert.Equal(Binary, File.ReadAllBytes(_repo.Path("tracked.bin")));
        Assert.Equal("work tree version\n", _repo.Read("staged.txt"));
        Assert.Equal(Binary.Reverse().ToArray(), File.ReadAllBytes(_repo.Path("untracked/deep/file.bin")));
        Assert.False(File.Exists(_repo.Path("README.md")));
        Assert.Equal("ignored\n", _repo.Read("ignored.log"));
        Assert.Equal(indexBefore, _repo.Git("ls-files", "-s"));
        var status = _repo.Git("status", "--porcelain", "--untracked-files=all", "--", ".", ":(exclude).fastband");
        Assert.Contains("MM staged.txt", status);
        Assert.Contains("?? untracked.txt", status);
        Assert.Contains(" D README.md", status);
        // Restoring a snapshot snapshots first too, so the undo can itself be undone.
        Assert.NotNull(undo.Snapshot);
        Assert.Equal(2, p.Git.ListSnapshots().Count);
    }

    [Fact]
    public void Restore_with_remove_untracked_removes_only_files_kept_in_the_snapshot_and_undo_brings_them_back()
    {
        var p = SetUp();
        MakeMess();

        var r = p.Git.RestoreCheckpoint("cp", new GitRestoreOptions { RemoveUntracked = true });

        Assert.Contains("untracked.txt", r.UntrackedRemoved);
        Assert.Contains("untracked/deep/file.bin", r.UntrackedRemoved);
        Assert.False(File.Exists(_repo.Path("untracked.txt")));
        Assert.False(Directory.Exists(_repo.Path("untracked")));
        Assert.True(File.Exists(_repo.Path("ignored.log"))); // ignored files are never touched
        Assert.True(File.Exists(_repo.Path(".fastband/fastband.db")));

        p.Git.RestoreSnapshot(r.Snapshot!.Id);
        Assert.Equal("brand new\n", _repo.Read("untracked.txt"));
        Assert.Equal(Binary.Reverse().ToArray(), File.ReadAllBytes(_repo.Path("untracked/deep/file.bin")));
    }

    [Fact]
    public void A_dry_run_changes_nothing_and_takes_no_snapshot()
    {
        var p = SetUp();
        MakeMess();
        string status = _repo.Git("status", "--porcelain", "--untracked-files=all");
        string head = _repo.Head();

        var r = p.Git.RestoreCheckpoint("cp", new GitRestoreOptions { DryRun = true });

        Assert.True(r.DryRun);
        Assert.Null(r.Snapshot);
        Assert.Contains("tracked.bin", r.ChangedFiles);
        Assert.Equal(head, _repo.Head());
        Assert.Equal(status, _repo.Git("status", "--porcelain", "--untracked-files=all"));
        Assert.Empty(p.Git.ListSnapshots());
    }

    [Fact]
    public void A_snapshot_leaves_the_work_tree_and_the_real_index_untouched()
    {
        var p = SetUp();
        MakeMess();
        string status = _repo.Git("status", "--porcelain", "--untracked-files=all"); // (refreshes the index, before we look at it)
        string index = _repo.Path(".git/index");
        byte[] indexBytes = File.ReadAllBytes(index);
        var indexTime = File.GetLastWriteTimeUtc(index);

        var snap = p.Git.CreateSnapshot("before an experiment");

        Assert.Equal(indexBytes, File.ReadAllBytes(index));
        Assert.Equal(indexTime, File.GetLastWriteTimeUtc(index));
        Assert.Equal(status, _repo.Git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all"));
        Assert.Equal(Binary, _repo.Blob(snap.CommitId, "tracked.bin"));
        Assert.Empty(Directory.GetFiles(_repo.Path(".git"), "fastband-snapshot-*"));
    }

    [Fact]
    public void Unknown_checkpoint_or_snapshot_is_not_found_and_changes_nothing()
    {
        var p = SetUp();
        MakeMess();
        string head = _repo.Head();
        var e = Assert.Throws<NotFoundException>(() => p.Git.RestoreCheckpoint("nope"));
        Assert.Contains("cp", e.Message); // names the checkpoints there are
        Assert.Throws<NotFoundException>(() => p.Git.RestoreSnapshot("20260101-000000-000-abcdef"));
        Assert.Equal(head, _repo.Head());
        Assert.Empty(p.Git.ListSnapshots());
    }

    [Fact]
    public void Checkpoint_with_session_state_round_trips_and_restoring_it_keeps_the_replaced_state_in_the_snapshot()
    {
        var p = _repo.As("alice", session: "sess-7");
        const string conversation = """[{"role":"user","content":"Build the API"},{"role":"assistant","content":"On it"}]""";
        p.Sessions.Save(new SessionInput { ConversationHistory = conversation, AgentContexts = """{"alice":{"file":"api.py"}}""", TaskProgress = """{"T1":"done"}""", CurrentTask = "T2" });
        _repo.Write("api.py", "v1\n");
        var cp = p.Git.CreateCheckpoint("api-v1", "API v1");
        Assert.True(cp.HasSessionState);
        Assert.Equal("sess-7", cp.SessionId);

        // Later: more work, and the session moves on.
        _repo.Write("api.py", "v2 broken\n");
        p.Sessions.Save(new SessionInput { ConversationHistory = "[]", CurrentTask = "T9" });

        var r = p.Git.RestoreCheckpoint("api-v1", new GitRestoreOptions { WithSession = true });

        Assert.Equal("sess-7", r.SessionRestored);
        Assert.Equal("v1\n", _repo.Read("api.py"));
        var restored = p.Sessions.Get("sess-7");
        Assert.Equal(conversation, restored.ConversationHistory);
        Assert.Equal("""{"alice":{"file":"api.py"}}""", restored.AgentContexts);
        Assert.Equal("""{"T1":"done"}""", restored.TaskProgress);
        Assert.Equal("T2", restored.CurrentTask);
        Assert.Equal(2, restored.MessageCount);

        // The state it replaced went into the snapshot; restoring that with its session brings both back.
        Assert.True(r.Snapshot!.HasSessionState);
        p.Git.RestoreSnapshot(r.Snapshot.Id, new GitRestoreOptions { WithSession = true });
        Assert.Equal("v2 broken\n", _repo.Read("api.py"));
        Assert.Equal("T9", p.Sessions.Get("sess-7").CurrentTask);

        // A checkpoint made without a session cannot restore one.
        var other = _repo.As("bob");
        other.Git.CreateCheckpoint("no-session");
        Assert.Equal("NoSessionState", Assert.Throws<InvalidInputException>(() => other.Git.RestoreCheckpoint("no-session", new GitRestoreOptions { WithSession = true })).ErrorId);
    }
}
