using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Fastband.Core.Git;
using Fastband.Core.Sessions;
using Fastband.Core.Tests;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>The git safety net and session state, end to end through the real fastband executable on a real repository.</summary>
public sealed class GitCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public GitCliTests()
    {
        Git("init", "-q", "-b", "main");
        Git("config", "user.name", "Test User");
        Git("config", "user.email", "test@example.invalid");
        Write("README.md", "hello\n");
        Git("add", "README.md");
        Git("commit", "-q", "-m", "first");
    }

    public void Dispose() => _cli.Dispose();

    private string Git(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = _cli.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var r = ChildProcess.Run(psi);
        Assert.True(r.ExitCode == 0, $"git {string.Join(' ', args)}: {r.Stderr}");
        return r.Stdout;
    }

    private void Write(string rel, string text)
    {
        string full = Path.Combine(_cli.Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private string Read(string rel) => File.ReadAllText(Path.Combine(_cli.Root, rel));

    private static IEnumerable<string> CamelCaseProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).OrderBy(n => n, StringComparer.Ordinal);

    private static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal);

    private CliRunner.Result As(string agent, params string[] args) => _cli.As(agent, args);

    private CliRunner.Result Ok(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public void Commit_checkpoint_restore_and_undo_end_to_end_with_json_named_like_the_cmdlet_objects()
    {
        Write("conv.json", """[{"role":"user","content":"build it"}]""");
        Ok(As("alice", "--session", "s1", "session", "save", "--conversation", "conv.json", "--current-task", "T1"));
        Write("app.txt", "v1\n");
        var commit = Ok(As("alice", "--session", "s1", "git", "commit", "--task", "T1", "-m", "first version", "app.txt", "--json")).Json;
        Assert.Equal(CamelCaseProperties(typeof(GitCommitResult)), Names(commit));
        Assert.True(commit.GetProperty("committed").GetBoolean());
        Assert.Contains("Session: s1", Git("log", "-1", "--format=%B"));

        var nothing = Ok(As("alice", "git", "commit", "--task", "T1", "-m", "again", "app.txt"));
        Assert.StartsWith("Nothing to commit", nothing.Stdout);

        var cp = Ok(As("alice", "--session", "s1", "git", "checkpoint", "v1", "-d", "first version works", "--json")).Json;
        Assert.Equal(CamelCaseProperties(typeof(GitCheckpoint)), Names(cp));
        Assert.True(cp.GetProperty("hasSessionState").GetBoolean());
        var again = As("alice", "git", "checkpoint", "v1");
        Assert.True(again.ExitCode == 3, again.ToString());
        Assert.Contains("already exists", again.Stderr);

        Write("app.txt", "v2 broken\n");
        Write("scratch.txt", "untracked notes\n");
        Ok(As("alice", "--session", "s1", "session", "save", "--conversation", "conv.json", "--current-task", "T9"));

        // Without --confirm (or --dry-run): refused, exit 2, saying so, nothing changed.
        var unconfirmed = As("alice", "git", "restore", "v1");
        Assert.True(unconfirmed.ExitCode == 2, unconfirmed.ToString());
        Assert.Contains("--confirm", unconfirmed.Stderr);
        Assert.Equal("v2 broken\n", Read("app.txt"));
        var dry = Ok(As("alice", "git", "restore", "v1", "--dry-run", "--json")).Json;
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal("v2 broken\n", Read("app.txt"));

        var restored = Ok(As("alice", "--session", "s1", "git", "restore", "v1", "--confirm", "--with-session", "--json")).Json;
        Assert.Equal(CamelCaseProperties(typeof(GitRestoreResult)), Names(restored));
        Assert.Equal("v1\n", Read("app.txt"));
        Assert.Equal("untracked notes\n", Read("scratch.txt"));
        Assert.Equal("T1", Ok(As("alice", "session", "show", "s1", "--json")).Json.GetProperty("currentTask").GetString());
        var snapshot = restored.GetProperty("snapshot");
        Assert.Equal(CamelCaseProperties(typeof(GitSnapshot)), Names(snapshot));
        string id = snapshot.GetProperty("id").GetString()!;
        Assert.Contains($"fastband git snapshots restore {id} --confirm", restored.GetProperty("message").GetString());

        var list = Ok(As("alice", "git", "snapshots", "--json")).Json;
        Assert.Equal(id, Assert.Single(list.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(2, As("alice", "git", "snapshots", "restore", id).ExitCode);
        Ok(As("alice", "--session", "s1", "git", "snapshots", "restore", id, "--confirm", "--with-session"));
        Assert.Equal("v2 broken\n", Read("app.txt"));
        Assert.Equal("T9", Ok(As("alice", "session", "show", "s1", "--json")).Json.GetProperty("currentTask").GetString());

        var status = Ok(As("alice", "git", "status", "--json")).Json;
        Assert.Equal(CamelCaseProperties(typeof(GitStatus)), Names(status));
        Assert.Equal("main", status.GetProperty("branch").GetString());
        Assert.Contains(status.GetProperty("changes").EnumerateArray(), c => c.GetProperty("path").GetString() == "app.txt" && c.GetProperty("kind").GetString() == "modified");
        Assert.Equal(2, status.GetProperty("snapshots").GetArrayLength());
        Assert.Equal("v1", Assert.Single(Ok(As("alice", "git", "checkpoints", "--json")).Json.EnumerateArray()).GetProperty("name").GetString());
        Assert.Contains("Branch: main", Ok(As("alice", "git", "status")).Stdout);
    }

    [Fact]
    public void Rollback_of_another_agents_commit_exits_3_and_of_ones_own_keeps_the_changes()
    {
        Write("a.txt", "a\n");
        Ok(As("alice", "git", "commit", "--task", "T1", "-m", "a"));
        Write("b.txt", "b\n");
        Ok(As("bob", "git", "commit", "--task", "T2", "-m", "b"));
        string head = Git("rev-parse", "HEAD");

        var refused = As("alice", "git", "rollback", "2");
        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("bob's", refused.Stderr);
        Assert.Equal(head, Git("rev-parse", "HEAD"));

        var r = Ok(As("bob", "git", "rollback", "--json")).Json;
        Assert.Equal(CamelCaseProperties(typeof(GitRollbackResult)), Names(r));
        Assert.True(r.GetProperty("rolledBack").GetBoolean());
        Assert.Equal("b.txt\n", Git("diff", "--cached", "--name-only"));
    }

    [Fact]
    public void Outside_a_repository_git_commands_exit_4_naming_the_folder()
    {
        string plain = Path.Combine(_cli.Root, "not-a-repo-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(plain);
        // GIT_CEILING_DIRECTORIES stops git from finding the test repository above the folder.
        var env = new Dictionary<string, string> { ["GIT_CEILING_DIRECTORIES"] = _cli.Root };
        Assert.Equal(0, _cli.RunIn(plain, env, "--agent", "alice", "--project", plain, "ops", "write", "--type", "general", "--message", "store").ExitCode);
        foreach (var args in new[] { new[] { "git", "status" }, new[] { "git", "commit", "--task", "T", "-m", "d" }, new[] { "git", "checkpoints" } })
        {
            var r = _cli.RunIn(plain, env, new[] { "--agent", "alice", "--project", plain }.Concat(args).ToArray());
            Assert.True(r.ExitCode == 4, r.ToString());
            Assert.Contains(plain, r.Stderr);
            Assert.Contains("not in a git repository", r.Stderr);
        }
    }

    [Fact]
    public void Session_save_show_list_and_malformed_json_exits_2_saving_nothing()
    {
        Write("conv.json", """[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]""");
        Write("ctx.json", """{"alice":{"file":"a.py"}}""");
        Write("bad.json", """[{"role":"user",""");
        var saved = Ok(As("alice", "session", "save", "s1", "--conversation", "conv.json", "--contexts", "ctx.json", "--current-task", "T1", "--json")).Json;
        Assert.Equal(CamelCaseProperties(typeof(SessionSummary)), Names(saved));
        Assert.Equal(2, saved.GetProperty("messageCount").GetInt32());

        var bad = As("alice", "session", "save", "s1", "--conversation", "bad.json");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("not valid JSON", bad.Stderr);
        Assert.Contains("nothing was saved", bad.Stderr);

        var shown = Ok(As("bob", "session", "show", "s1", "--json"));
        Assert.Equal(CamelCaseProperties(typeof(SessionState)), Names(shown.Json));
        Assert.Equal(JsonValueKind.Array, shown.Json.GetProperty("conversationHistory").ValueKind);
        Assert.Equal("a.py", shown.Json.GetProperty("agentContexts").GetProperty("alice").GetProperty("file").GetString());

        // What show --json writes, save --file takes back.
        Write("state.json", shown.Stdout);
        Ok(As("bob", "session", "save", "s2", "--file", "state.json"));
        Assert.Equal(shown.Json.GetProperty("conversationHistory").GetRawText(), Ok(As("bob", "session", "show", "s2", "--json")).Json.GetProperty("conversationHistory").GetRawText());
        Assert.Equal(new[] { "s1", "s2" }, Ok(As("bob", "session", "list", "--json")).Json.EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()).OrderBy(s => s));

        var missing = As("bob", "session", "show", "ghost");
        Assert.True(missing.ExitCode == 4, missing.ToString());
        Assert.Equal(2, As("bob", "session", "save", "--conversation", "conv.json").ExitCode); // no id anywhere
    }

    [Fact]
    public void Session_restore_prints_the_document_save_file_takes_so_a_restart_can_feed_it_back()
    {
        string conversation = """[{"role":"user","content":"caf\u00e9 \u4e2d \"q\""},{"role":"assistant","content":"ok"}]""";
        Write("conv.json", conversation);
        Write("progress.json", """{"T1":"in_progress"}""");
        Ok(As("alice", "session", "save", "s1", "--conversation", "conv.json", "--progress", "progress.json", "--current-task", "T1"));

        // Without --json, restore prints the JSON document (not the human text of show); with --json, the same object.
        var restored = Ok(As("bob", "--session", "s1", "session", "restore"));
        Assert.Equal(CamelCaseProperties(typeof(SessionState)), Names(restored.Json));
        Assert.Equal(JsonValueKind.Array, restored.Json.GetProperty("conversationHistory").ValueKind);
        Assert.Equal("in_progress", restored.Json.GetProperty("taskProgress").GetProperty("T1").GetString());
        Assert.Equal(restored.Stdout, Ok(As("bob", "session", "restore", "s1", "--json")).Stdout);

        // Fed back after a restart: the same state under a new id, the conversation exact.
        Write("restored.json", restored.Stdout);
        Ok(As("carol", "session", "save", "s2", "--file", "restored.json"));
        var copy = Ok(As("carol", "session", "restore", "s2")).Json;
        Assert.Equal(restored.Json.GetProperty("conversationHistory").GetRawText(), copy.GetProperty("conversationHistory").GetRawText());
        Assert.Equal("café 中 \"q\"", copy.GetProperty("conversationHistory")[0].GetProperty("content").GetString());
        Assert.Equal("T1", copy.GetProperty("currentTask").GetString());
        Assert.Equal(2, copy.GetProperty("messageCount").GetInt32());

        var missing = As("bob", "session", "restore", "ghost");
        Assert.True(missing.ExitCode == 4, missing.ToString());
        Assert.Contains("No session 'ghost'", missing.Stderr);
        Assert.Equal("", missing.Stdout);
        var noId = As("bob", "session", "restore");
        Assert.True(noId.ExitCode == 2, noId.ToString());
    }

    [Fact]
    public void With_the_store_in_gitignore_every_git_writer_works_and_a_restore_keeps_an_ignored_files_bytes_recoverable()
    {
        // Issue 14: '.fastband/' in .gitignore made commit and checkpoint end in a NullReferenceException (exit 1).
        Write(".gitignore", ".fastband/\n");
        Write("app.txt", "v1\n");
        Write("config.local", "from the checkpoint\n");
        var commit = Ok(As("alice", "git", "commit", "--task", "T1", "-m", "first version", "--json")).Json;
        Assert.Equal(new[] { ".gitignore", "app.txt", "config.local" }, commit.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Ok(As("alice", "git", "checkpoint", "v1"));
        Git("rm", "-q", "--cached", "config.local");
        Write(".gitignore", ".fastband/\nconfig.local\n");
        Ok(As("alice", "git", "commit", "--task", "T2", "-m", "config.local is local now"));

        Write("config.local", "local secret\n");
        Write("app.txt", "v2\n");
        string snapshotId = Ok(As("alice", "git", "snapshot", "--reason", "try", "--json")).Json.GetProperty("id").GetString()!;
        Assert.Equal("v2\n", Git("show", $"refs/fastband/snapshots/{snapshotId}:app.txt"));

        var text = Ok(As("alice", "git", "restore", "v1", "--dry-run"));
        Assert.Contains("ignored, would be overwritten (saved in the snapshot first): config.local", text.Stdout);
        var restored = Ok(As("alice", "git", "restore", "v1", "--confirm", "--json")).Json;
        Assert.Equal("from the checkpoint\n", Read("config.local"));
        Assert.Equal("config.local", Assert.Single(restored.GetProperty("ignoredSaved").EnumerateArray()).GetString());
        var snapshot = restored.GetProperty("snapshot");
        string reference = snapshot.GetProperty("ref").GetString()!;
        Assert.Contains($"git show {reference}:PATH", restored.GetProperty("message").GetString());
        Assert.Equal("local secret\n", Git("show", $"{reference}:config.local"));

        Ok(As("alice", "git", "snapshots", "restore", snapshot.GetProperty("id").GetString()!, "--confirm"));
        Assert.Equal("local secret\n", Read("config.local"));
        Assert.Equal("v2\n", Read("app.txt"));
        Assert.Equal("", Git("ls-files", "config.local"));
    }
}
