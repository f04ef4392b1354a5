using Fastband.Core.Git;
using Xunit;

namespace Fastband.Core.Tests.Git;

/// <summary>
/// Ignore rules (issue 14): the writers work when .gitignore lists the store, a failed git call is a sentence and
/// not a NullReferenceException, and a restore never loses the bytes of an ignored file it overwrites or removes.
/// </summary>
public sealed class GitIgnoredTests : IDisposable
{
    private readonly GitTestRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static readonly byte[] LocalBytes = { (byte)'k', (byte)'e', (byte)'y', 0, 0xff, (byte)'\r', (byte)'\n', 0x80 };

    private static string Tree(GitTestRepo repo, string commit) => repo.Git("ls-tree", "-r", "--name-only", commit);

    [Theory]
    [InlineData(".fastband/")]
    [InlineData(".fastband")]
    [InlineData("/.fastband/")]
    [InlineData("/.fastband/*")]
    public void Commit_checkpoint_snapshot_and_restore_work_when_gitignore_lists_the_store(string rule)
    {
        _repo.Write(".gitignore", rule + "\n*.log\n");
        _repo.Git("add", ".gitignore");
        _repo.Git("commit", "-q", "-m", "ignore the store");
        var p = _repo.As("alice");
        Assert.True(File.Exists(_repo.Path(".fastband/fastband.db")));
        _repo.Write("app.txt", "v1\n");
        _repo.Write("debug.log", "noise\n");

        var commit = p.Git.Commit(new GitCommitRequest { Task = "T1", Description = "first version" });
        Assert.True(commit.Committed, commit.Reason);
        Assert.Equal(new[] { "app.txt" }, commit.Files);
        var cp = p.Git.CreateCheckpoint("v1");
        Assert.Equal(commit.CommitId, cp.CommitId);

        _repo.Write("app.txt", "v2\n");
        _repo.Write("notes.txt", "untracked\n");
        var snap = p.Git.CreateSnapshot("before trying");
        Assert.Equal("v2\n"u8.ToArray(), _repo.Blob(snap.CommitId, "app.txt"));
        Assert.Equal("untracked\n"u8.ToArray(), _repo.Blob(snap.CommitId, "notes.txt"));
        Assert.DoesNotContain(".fastband", Tree(_repo, snap.CommitId));
        Assert.DoesNotContain("debug.log", Tree(_repo, snap.CommitId));

        var restored = p.Git.RestoreCheckpoint("v1");
        Assert.Equal("v1\n", _repo.Read("app.txt"));
        Assert.Equal("noise\n", _repo.Read("debug.log"));
        Assert.Contains("app.txt", restored.ChangedFiles);
        Assert.Empty(restored.IgnoredSaved);

        p.Git.RestoreSnapshot(snap.Id);
        Assert.Equal("v2\n", _repo.Read("app.txt"));
        Assert.Equal("untracked\n", _repo.Read("notes.txt"));

        var second = p.Git.Commit(new GitCommitRequest { Task = "T2", Description = "second version" });
        Assert.Equal(new[] { "app.txt", "notes.txt" }, second.Files);
        Assert.DoesNotContain(".fastband", Tree(_repo, "HEAD"));
        Assert.True(File.Exists(_repo.Path(".fastband/fastband.db")));
    }

    [Fact]
    public void The_store_is_never_committed_even_when_it_is_tracked_from_before_and_ignored_now()
    {
        // Someone committed the store before using Fastband, then ignored it: tracked files are not ignored by git.
        _repo.Write(".fastband/old.txt", "committed long ago\n");
        _repo.Git("add", ".fastband/old.txt");
        _repo.Git("commit", "-q", "-m", "oops");
        _repo.Write(".gitignore", ".fastband/\n");
        _repo.Git("add", ".gitignore");
        _repo.Git("commit", "-q", "-m", "ignore the store");
        var p = _repo.As("alice");
        _repo.Write(".fastband/old.txt", "changed by the store\n");
        _repo.Write("app.txt", "v1\n");

        var commit = p.Git.Commit(new GitCommitRequest { Task = "T1", Description = "work" });

        Assert.Equal(new[] { "app.txt" }, commit.Files);
        Assert.Equal("committed long ago\n", _repo.Git("show", "HEAD:.fastband/old.txt"));
        // The snapshot keeps the index as it was (the tracked copy), never the store's bytes.
        Assert.Equal("committed long ago\n"u8.ToArray(), _repo.Blob(p.Git.CreateSnapshot().Ref, ".fastband/old.txt"));
    }

    [Fact]
    public void A_failed_git_call_is_a_FastbandException_with_gits_stderr_in_one_sentence()
    {
        _repo.Write(".gitignore", "*.log\n");
        _repo.Write("x.log", "ignored\n");
        var runner = new GitRunner(_repo.Root);

        var run = runner.Run(new[] { "add", "--", "x.log" });
        var e = Assert.Throws<FastbandException>(() => run.ThrowIfFailed("add"));

        Assert.Equal("GitFailed", e.ErrorId);
        Assert.Equal("git add failed: The following paths are ignored by one of your .gitignore files: x.log.", e.Message);
        Assert.DoesNotContain("hint", e.Message);

        var fatal = Assert.Throws<FastbandException>(() => runner.Run(new[] { "rev-parse", "--verify", "no-such-ref" }).ThrowIfFailed("rev-parse"));
        Assert.Equal("git rev-parse failed: fatal: Needed a single revision.", fatal.Message);
        runner.Run(new[] { "status" }).ThrowIfFailed("status"); // success returns quietly
    }

    [Fact]
    public void Committing_a_named_ignored_file_or_one_under_an_ignored_store_is_refused_in_a_sentence()
    {
        _repo.Write(".gitignore", ".fastband/\n*.log\n");
        var p = _repo.As("alice");
        _repo.Write("x.log", "ignored\n");
        _repo.Write("app.txt", "v1\n");

        var e = Assert.Throws<InvalidInputException>(() => p.Git.Commit(new GitCommitRequest { Task = "T1", Description = "d", Files = new[] { "x.log", "app.txt" } }));
        Assert.Equal("IgnoredFile", e.ErrorId);
        Assert.StartsWith("x.log is ignored", e.Message);

        // Every change, with the store and a log ignored: no error, and nothing ignored is committed.
        var all = p.Git.Commit(new GitCommitRequest { Task = "T1", Description = "d" });
        Assert.Equal(new[] { ".gitignore", "app.txt" }, all.Files);
    }

    /// <summary>
    /// A checkpoint that tracks files which are ignored now: config.local (untracked and ignored here, with local
    /// bytes), logs (a file there, an ignored folder here) and secret.env (tracked in both, ignored, edited here).
    /// </summary>
    private FastbandProject CheckpointThatTracksFilesIgnoredNow()
    {
        _repo.Write("config.local", "from the checkpoint\n");
        _repo.Write("logs", "a file in the checkpoint\n");
        _repo.Write("secret.env", "checkpoint secret\n");
        var p = _repo.As("alice");
        p.Git.CreateCheckpoint("cp");
        _repo.Git("rm", "-q", "--cached", "config.local", "logs");
        File.Delete(_repo.Path("logs"));
        _repo.Write(".gitignore", "config.local\nlogs/\nsecret.env\n");
        p.Git.Commit(new GitCommitRequest { Task = "T2", Description = "stop tracking local files" });
        _repo.WriteBytes("config.local", LocalBytes);
        _repo.Write("logs/today.txt", "local log\n");
        _repo.Write("secret.env", "local secret\n");
        _repo.Write("build/out.bin", "ignored, not in the way\n");
        File.AppendAllText(_repo.Path(".gitignore"), "build/\n");
        return p;
    }

    [Fact]
    public void A_restore_that_overwrites_ignored_files_keeps_their_bytes_in_the_snapshot_and_undo_puts_them_back()
    {
        var p = CheckpointThatTracksFilesIgnoredNow();
        string head = _repo.Head();

        var dry = p.Git.RestoreCheckpoint("cp", new GitRestoreOptions { DryRun = true });
        Assert.Equal(new[] { "config.local", "logs/today.txt" }, dry.IgnoredSaved);
        Assert.Equal(LocalBytes, File.ReadAllBytes(_repo.Path("config.local")));

        var r = p.Git.RestoreCheckpoint("cp");

        // The checkpoint's files are in place...
        Assert.Equal("from the checkpoint\n", _repo.Read("config.local"));
        Assert.Equal("a file in the checkpoint\n", _repo.Read("logs"));
        Assert.Equal("checkpoint secret\n", _repo.Read("secret.env"));
        Assert.Equal("ignored, not in the way\n", _repo.Read("build/out.bin"));
        // ...and every ignored file it overwrote or removed is in the snapshot, byte for byte, and the result says so.
        Assert.Equal(new[] { "config.local", "logs/today.txt" }, r.IgnoredSaved);
        var snap = r.Snapshot!;
        Assert.Equal(LocalBytes, _repo.Blob(snap.Ref, "config.local"));
        Assert.Equal("local log\n"u8.ToArray(), _repo.Blob(snap.Ref, "logs/today.txt"));
        Assert.Equal("local secret\n"u8.ToArray(), _repo.Blob(snap.Ref, "secret.env"));
        Assert.DoesNotContain("build/out.bin", Tree(_repo, snap.CommitId));
        Assert.Contains("2 ignored file(s)", r.Message);
        Assert.Contains($"git show {snap.Ref}:PATH", r.Message);
        Assert.Contains(snap.RestoreCommand, r.Message);

        // The documented undo puts the local bytes back, untracked and still ignored.
        p.Git.RestoreSnapshot(snap.Id);
        Assert.Equal(head, _repo.Head());
        Assert.Equal(LocalBytes, File.ReadAllBytes(_repo.Path("config.local")));
        Assert.Equal("local log\n", _repo.Read("logs/today.txt"));
        Assert.Equal("local secret\n", _repo.Read("secret.env"));
        Assert.Equal("", _repo.Git("ls-files", "--", "config.local", "logs"));
        Assert.Contains("config.local", _repo.Git("status", "--porcelain", "--ignored"));
    }

    [Fact]
    public void A_snapshot_restore_over_an_ignored_file_saves_it_too()
    {
        var p = CheckpointThatTracksFilesIgnoredNow();
        var back = p.Git.RestoreCheckpoint("cp");
        // The checkpoint has no .gitignore: make config.local untracked and ignored again, with new local bytes.
        _repo.Git("rm", "-q", "--cached", "config.local");
        _repo.Write(".gitignore", "config.local\n");
        _repo.Write("config.local", "edited after the restore\n");

        var r = p.Git.RestoreSnapshot(back.Snapshot!.Id);

        Assert.Equal(LocalBytes, File.ReadAllBytes(_repo.Path("config.local")));
        Assert.Contains("config.local", r.IgnoredSaved);
        Assert.Equal("edited after the restore\n"u8.ToArray(), _repo.Blob(r.Snapshot!.Ref, "config.local"));
    }
}
