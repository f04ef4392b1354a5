using Fastband.Core.Git;
using Xunit;

namespace Fastband.Core.Tests.Git;

/// <summary>Commits, checkpoints, rollback and status against real git repositories.</summary>
public sealed class GitServiceTests : IDisposable
{
    private readonly GitTestRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    private static GitCommitRequest Work(string task, string description, params string[] files) =>
        new() { Task = task, Description = description, Files = files.Length == 0 ? null : files };

    [Fact]
    public void Commit_of_all_changes_has_the_agent_message_trailers_and_author_and_never_the_store()
    {
        var p = _repo.As("alice", session: "s-1");
        _repo.Write("README.md", "changed\n");
        _repo.Write("src/new.txt", "new\n");

        var r = p.Git.Commit(Work("T037", "Git coordinator"));

        Assert.True(r.Committed, r.ToString());
        Assert.Equal(_repo.Head(), r.CommitId);
        Assert.Equal(new[] { "README.md", "src/new.txt" }, r.Files.OrderBy(f => f, StringComparer.Ordinal));
        string body = _repo.Git("log", "-1", "--format=%B");
        Assert.StartsWith("[alice] T037: Git coordinator\n\nAgent: alice\nTask: T037\nSession: s-1", body);
        Assert.Equal("alice", _repo.Git("log", "-1", "--format=%(trailers:key=Agent,valueonly)").Trim());
        Assert.Equal("alice", _repo.Git("log", "-1", "--format=%an").Trim());
        Assert.Equal("Test User", _repo.Git("log", "-1", "--format=%cn").Trim()); // the repository's own committer stays
        var tree = _repo.Git("ls-tree", "-r", "--name-only", "HEAD");
        Assert.DoesNotContain(".fastband", tree);
        Assert.True(File.Exists(_repo.Path(".fastband/fastband.db")));
        Assert.Equal("", _repo.Git("status", "--porcelain", "--", ".", ":(exclude).fastband"));
    }

    [Fact]
    public void Commit_of_given_files_commits_only_those_even_with_other_changes_staged()
    {
        var p = _repo.As("alice");
        _repo.Write("mine.txt", "mine\n");
        _repo.Write("theirs.txt", "theirs\n");
        _repo.Git("add", "theirs.txt"); // another agent's work, staged but not theirs to lose
        _repo.Write("README.md", "also changed\n");

        var r = p.Git.Commit(Work("T1", "only mine", "mine.txt"));

        Assert.True(r.Committed);
        Assert.Equal(new[] { "mine.txt" }, r.Files);
        Assert.Equal("mine.txt\n", _repo.Git("show", "--name-only", "--format=", "HEAD"));
        var status = _repo.Git("status", "--porcelain", "--", ".", ":(exclude).fastband");
        Assert.Contains("A  theirs.txt", status);
        Assert.Contains(" M README.md", status);
    }

    [Fact]
    public void Committing_a_deleted_file_records_the_deletion()
    {
        var p = _repo.As("alice");
        File.Delete(_repo.Path("README.md"));
        var r = p.Git.Commit(Work("T2", "remove readme", "README.md"));
        Assert.True(r.Committed);
        Assert.Equal("", _repo.Git("ls-tree", "--name-only", "HEAD"));
    }

    [Fact]
    public void Nothing_to_commit_is_a_result_not_an_error()
    {
        var p = _repo.As("alice");
        string head = _repo.Head();
        var all = p.Git.Commit(Work("T3", "nothing"));
        Assert.False(all.Committed);
        Assert.Null(all.CommitId);
        Assert.Contains("match HEAD", all.Reason);
        var some = p.Git.Commit(Work("T3", "nothing", "README.md"));
        Assert.False(some.Committed);
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void Bad_input_is_refused_with_a_clear_sentence_and_nothing_is_committed()
    {
        var p = _repo.As("alice");
        _repo.Write("README.md", "changed\n");
        string head = _repo.Head();
        var missing = Assert.Throws<InvalidInputException>(() => p.Git.Commit(Work("T4", "x", "no-such-file.txt")));
        Assert.Contains("no-such-file.txt", missing.Message);
        _repo.Write(".gitignore", "*.log\n");
        _repo.Write("debug.log", "x\n");
        var ignored = Assert.Throws<InvalidInputException>(() => p.Git.Commit(Work("T4", "x", "debug.log")));
        Assert.Equal("IgnoredFile", ignored.ErrorId);
        Assert.Contains("debug.log", ignored.Message);
        Assert.Throws<InvalidInputException>(() => p.Git.Commit(Work("", "no task")));
        Assert.Throws<InvalidInputException>(() => p.Git.Commit(Work("T4", "two\nlines")));
        Assert.Throws<InvalidInputException>(() => p.Git.CreateCheckpoint("../escape"));
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void Not_a_repository_is_reported_naming_the_folder_for_every_operation()
    {
        using var plain = new TempProject();
        using var p = FastbandProject.Open(new ProjectOptions { ProjectPath = plain.Root, Agent = "alice", Environment = _ => null });
        var errors = new Func<object>[]
        {
            () => p.Git.Commit(Work("T", "d")), () => p.Git.Status(), () => p.Git.CreateCheckpoint("x"), () => p.Git.ListCheckpoints(),
            () => p.Git.Rollback(), () => p.Git.RestoreCheckpoint("x"), () => p.Git.ListSnapshots(), () => p.Git.RestoreSnapshot("x"),
        }.Select(f => Assert.Throws<NotFoundException>(() => f())).ToList();
        Assert.All(errors, e =>
        {
            Assert.Equal("NotAGitRepository", e.ErrorId);
            Assert.Contains(plain.Root, e.Message);
            Assert.Contains("git init", e.Message);
        });
    }

    [Fact]
    public void Index_lock_held_by_another_git_process_is_waited_out_with_retries()
    {
        var p = _repo.As("alice");
        _repo.Write("a.txt", "a\n");
        string lockFile = _repo.Path(".git/index.lock");
        File.WriteAllText(lockFile, "");
        var release = new Thread(() => { Thread.Sleep(400); File.Delete(lockFile); });
        release.Start();

        var r = p.Git.Commit(Work("T5", "after the lock"));

        release.Join();
        Assert.True(r.Committed);
        Assert.True(p.Git.Runner.LockRetries > 0, "the commit should have met index.lock and retried");
        Assert.Equal("a.txt\n", _repo.Git("show", "--name-only", "--format=", "HEAD"));
    }

    // ---------------------------------------------------------------- checkpoints

    [Fact]
    public void Checkpoint_commits_outstanding_work_tags_it_and_an_existing_name_is_refused_unless_forced()
    {
        var p = _repo.As("alice");
        _repo.Write("work.txt", "outstanding\n");

        var cp = p.Git.CreateCheckpoint("before-api", "Before the API work");

        Assert.NotNull(cp.WorkCommitId);
        Assert.Equal(_repo.Head(), cp.CommitId);
        Assert.Equal("checkpoint-before-api", cp.Tag);
        Assert.Equal("tag\n", _repo.Git("cat-file", "-t", "refs/tags/checkpoint-before-api"));
        Assert.Equal("Before the API work\n", _repo.Git("tag", "-l", "--format=%(contents:subject)", "checkpoint-before-api"));
        Assert.Equal(cp.CommitId, _repo.Git("rev-parse", "checkpoint-before-api^{commit}").Trim());
        Assert.Contains("work.txt", _repo.Git("ls-tree", "--name-only", "HEAD"));

        _repo.Write("work.txt", "more\n");
        string head = _repo.Head();
        var refused = Assert.Throws<BlockedException>(() => p.Git.CreateCheckpoint("before-api", "again"));
        Assert.Equal("CheckpointExists", refused.ErrorId);
        Assert.Contains("--force", refused.Message);
        Assert.Equal(head, _repo.Head()); // the refusal committed nothing
        Assert.Equal(cp.CommitId, _repo.Git("rev-parse", "checkpoint-before-api^{commit}").Trim());

        var moved = p.Git.CreateCheckpoint("before-api", "moved", force: true);
        Assert.True(moved.Replaced);
        Assert.NotEqual(cp.CommitId, moved.CommitId);
        var listed = Assert.Single(p.Git.ListCheckpoints());
        Assert.Equal(moved.CommitId, listed.CommitId);
        Assert.Equal("moved", listed.Description);
        Assert.Equal("alice", listed.Agent);
    }

    // ---------------------------------------------------------------- rollback

    [Fact]
    public void Rollback_of_own_commits_is_a_soft_reset_that_keeps_the_changes_staged()
    {
        var p = _repo.As("alice");
        string baseCommit = _repo.Head();
        _repo.Write("a.txt", "a\n");
        p.Git.Commit(Work("T1", "a"));
        _repo.Write("b.txt", "b\n");
        p.Git.Commit(Work("T2", "b"));

        var dry = p.Git.Rollback(2, dryRun: true);
        Assert.False(dry.RolledBack);
        Assert.NotEqual(baseCommit, _repo.Head());

        var r = p.Git.Rollback(2);
        Assert.True(r.RolledBack);
        Assert.Equal(baseCommit, _repo.Head());
        Assert.Equal(baseCommit, r.ToCommit);
        Assert.Equal(new[] { "T2", "T1" }, r.Commits.Select(c => c.Task));
        Assert.Equal("a.txt\nb.txt\n", _repo.Git("diff", "--cached", "--name-only"));
        Assert.Equal("a\n", _repo.Read("a.txt"));
    }

    [Fact]
    public void Rollback_over_another_agents_commit_is_refused_unless_forced()
    {
        var alice = _repo.As("alice");
        var bob = _repo.As("bob");
        _repo.Write("a.txt", "a\n");
        alice.Git.Commit(Work("T1", "a"));
        _repo.Write("b.txt", "b\n");
        bob.Git.Commit(Work("T2", "b"));
        string head = _repo.Head();

        var e = Assert.Throws<BlockedException>(() => alice.Git.Rollback(2));
        Assert.Equal("RollbackRefused", e.ErrorId);
        Assert.Contains("bob's", e.Message);
        Assert.Equal(head, _repo.Head());

        // An unattributed commit (made with plain git) is not alice's either.
        _repo.Write("c.txt", "c\n");
        _repo.Git("add", "c.txt");
        _repo.Git("commit", "-q", "-m", "plain");
        Assert.Contains("no Agent trailer", Assert.Throws<BlockedException>(() => alice.Git.Rollback(1)).Message);

        var forced = alice.Git.Rollback(2, force: true);
        Assert.True(forced.Forced);
        Assert.Contains(forced.Overridden, o => o.Contains("bob's"));
    }

    [Fact]
    public void Rollback_over_a_pushed_commit_is_refused()
    {
        using var remote = new TempProject();
        GitTestRepo.GitIn(remote.Root, "init", "-q", "--bare");
        _repo.Git("remote", "add", "origin", remote.Root);
        var p = _repo.As("alice");
        _repo.Write("a.txt", "a\n");
        p.Git.Commit(Work("T1", "pushed"));
        _repo.Git("push", "-q", "origin", "main");
        _repo.Write("b.txt", "b\n");
        p.Git.Commit(Work("T2", "not pushed"));

        Assert.Equal("T2", p.Git.Rollback(1, dryRun: true).Commits.Single().Task); // the unpushed one may go
        string head = _repo.Head();
        var e = Assert.Throws<BlockedException>(() => p.Git.Rollback(2));
        Assert.Contains("already pushed", e.Message);
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void Rollback_over_a_merge_is_refused()
    {
        var p = _repo.As("alice");
        _repo.Git("checkout", "-q", "-b", "feature");
        _repo.Write("f.txt", "f\n");
        p.Git.Commit(Work("T1", "feature"));
        _repo.Git("checkout", "-q", "main");
        _repo.Write("m.txt", "m\n");
        p.Git.Commit(Work("T2", "main"));
        _repo.Git("merge", "-q", "--no-ff", "-m", "[alice] T3: merge\n\nAgent: alice", "feature");

        var e = Assert.Throws<BlockedException>(() => p.Git.Rollback(1));
        Assert.Contains("is a merge", e.Message);
        Assert.DoesNotContain("no Agent trailer", e.Message);

        // Forced, two commits back along the first-parent chain: the merge and main's own commit, not the side branch's.
        string mainBase = _repo.Git("rev-parse", "HEAD^1^1").Trim();
        var forced = p.Git.Rollback(2, force: true);
        Assert.Equal(new[] { "[alice] T3: merge", "[alice] T2: main" }, forced.Commits.Select(c => c.Subject));
        Assert.Equal(mainBase, _repo.Head());
    }

    [Fact]
    public void Rollback_past_the_first_commit_is_invalid()
    {
        var p = _repo.As("alice");
        Assert.Equal("TooManyCommits", Assert.Throws<InvalidInputException>(() => p.Git.Rollback(1)).ErrorId);
        Assert.Throws<InvalidInputException>(() => p.Git.Rollback(0));
    }

    // ---------------------------------------------------------------- status

    [Fact]
    public void Status_lists_branch_structured_changes_commits_with_agents_checkpoints_and_snapshots()
    {
        var p = _repo.As("alice");
        _repo.Write("a.txt", "a\n");
        _repo.Write("gone.txt", "g\n");
        _repo.Write("old.txt", "rename me\n");
        p.Git.Commit(Work("T1", "files"));
        p.Git.CreateCheckpoint("cp1", "first");
        _repo.Write("a.txt", "changed\n");
        File.Delete(_repo.Path("gone.txt"));
        _repo.Git("mv", "old.txt", "new.txt");
        _repo.Write("staged.txt", "s\n");
        _repo.Git("add", "staged.txt");
        _repo.Write("dir/untracked.txt", "u\n");
        _repo.Write(".gitignore", "*.log\n");
        _repo.Write("ignored.log", "i\n");
        p.Git.CreateSnapshot("look");

        var s = p.Git.Status();

        Assert.Equal("main", s.Branch);
        Assert.Equal(_repo.Head(), s.HeadCommit);
        Assert.False(s.IsClean);
        string Kind(string path) => s.Changes.Single(c => c.Path == path).Kind;
        Assert.Equal("modified", Kind("a.txt"));
        Assert.Equal("deleted", Kind("gone.txt"));
        Assert.Equal("renamed", Kind("new.txt"));
        Assert.Equal("old.txt", s.Changes.Single(c => c.Path == "new.txt").OriginalPath);
        Assert.Equal("added", Kind("staged.txt"));
        Assert.True(s.Changes.Single(c => c.Path == "staged.txt").Staged);
        Assert.Equal("untracked", Kind("dir/untracked.txt"));
        Assert.DoesNotContain(s.Changes, c => c.Path.StartsWith(".fastband", StringComparison.Ordinal) || c.Path == "ignored.log");
        Assert.Equal("alice", s.RecentCommits[0].Agent);
        Assert.Equal("T1", s.RecentCommits[0].Task);
        Assert.Null(s.RecentCommits[^1].Agent); // the first commit was plain git
        Assert.Equal("cp1", Assert.Single(s.Checkpoints).Name);
        Assert.Equal("look", Assert.Single(s.Snapshots).Reason);
    }
}

/// <summary>A repository without any commit yet.</summary>
public sealed class GitEmptyRepositoryTests : IDisposable
{
    private readonly GitTestRepo _repo = new(initialCommit: false);

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void The_first_commit_status_checkpoint_and_rollback_work_or_refuse_clearly()
    {
        var p = _repo.As("alice");
        var empty = p.Git.Status();
        Assert.Null(empty.HeadCommit);
        Assert.Empty(empty.RecentCommits);
        Assert.Equal("NoCommits", Assert.Throws<InvalidInputException>(() => p.Git.Rollback()).ErrorId);
        Assert.Equal("NothingToCheckpoint", Assert.Throws<InvalidInputException>(() => p.Git.CreateCheckpoint("empty")).ErrorId);

        _repo.Write("a.txt", "a\n");
        var r = p.Git.Commit(new GitCommitRequest { Task = "T0", Description = "first" });
        Assert.True(r.Committed);
        Assert.Equal(new[] { "a.txt" }, r.Files);
        Assert.Equal(r.CommitId, p.Git.Status().HeadCommit);
        Assert.Equal("TooManyCommits", Assert.Throws<InvalidInputException>(() => p.Git.Rollback()).ErrorId);
    }
}

/// <summary>What the git safety net contributes to <c>fastband health</c>.</summary>
public sealed class GitHealthTests : IDisposable
{
    private readonly GitTestRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void A_stale_index_lock_is_a_warning_and_a_fresh_one_is_not()
    {
        var p = _repo.As("alice");
        string lockFile = _repo.Path(".git/index.lock");
        File.WriteAllText(lockFile, "");
        var now = DateTimeOffset.UtcNow;
        Assert.DoesNotContain(p.Git.Health.Check(now), f => f.State != Fastband.Core.Health.HealthState.Healthy);
        File.SetLastWriteTimeUtc(lockFile, now.UtcDateTime - TimeSpan.FromMinutes(30));
        var stale = Assert.Single(p.Git.Health.Check(now), f => f.State == Fastband.Core.Health.HealthState.Warning);
        Assert.Contains("index.lock", stale.Summary);
    }
}
