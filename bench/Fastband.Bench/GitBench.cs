using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fastband.Core;
using Fastband.Core.Git;
using Fastband.Core.Sessions;

namespace Fastband.Bench;

/// <summary>
/// The git safety net and session state (docs/benchmarks.md, "Git safety net and sessions"), in one run:
/// <list type="bullet">
/// <item>commit latency: the same one-file change committed, round after round, by plain <c>git add -A</c> then
/// <c>git commit</c> (two processes, no shell), by <see cref="GitService.Commit"/> in process, and by one
/// <c>fastband git commit</c> process, interleaved so that drift hits all alike;</item>
/// <item>session save and restore of a 10 MB conversation through <see cref="SessionService"/> (target ≤ 100 ms each).</item>
/// </list>
/// </summary>
public static class GitBench
{
    private const double SessionTargetMs = 100;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static void Run(BenchContext context, Report report)
    {
        int rounds = context.Options.Int("git-rounds", 40);
        int files = context.Options.Int("git-files", 2000);
        string repo = context.NewDirectory("git-repo");
        Git(repo, "init", "-q", "-b", "main");
        Git(repo, "config", "user.name", "bench");
        Git(repo, "config", "user.email", "bench@example.invalid");
        Git(repo, "config", "gc.auto", "0");
        Git(repo, "config", "maintenance.auto", "false");
        for (int i = 0; i < files; i++)
        {
            string dir = Path.Combine(repo, "src", $"m{i % 20}");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, $"f{i}.txt"), $"file {i}\n" + new string('x', 200 + i % 500) + "\n");
        }
        Git(repo, "add", "-A");
        Git(repo, "commit", "-qm", "tree");

        string? cli = context.Options.Get("cli") ?? (context.RepoRoot is { } r ? Path.Combine(r, ".build", "cli", "fastband") : null);
        bool withCli = cli is not null && File.Exists(cli);
        context.Log($"git: {files:N0} files in the tree; {rounds} rounds of plain / in-process{(withCli ? " / CLI" : "")} commits; load average {BenchContext.LoadAverage()}");

        var plain = new List<double>();
        var ours = new List<double>();
        var viaCli = new List<double>();
        int retries;
        using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = repo, Agent = "bench", Session = "bench-session", Environment = _ => null }))
        {
            // Warm-up: JIT, the store, git's caches.
            for (int i = 0; i < 3; i++)
            {
                Touch(repo, "warm", i);
                project.Git.Commit(new GitCommitRequest { Task = "W", Description = "warm up" });
                Touch(repo, "warm", i + 100);
                Plain(repo, "warm");
            }
            for (int i = 0; i < rounds; i++)
            {
                Touch(repo, "plain", i);
                plain.Add(Time(() => Plain(repo, $"plain {i}")));

                Touch(repo, "ours", i);
                GitCommitResult? result = null;
                ours.Add(Time(() => result = project.Git.Commit(new GitCommitRequest { Task = "T1", Description = $"ours {i}" })));
                if (result is not { Committed: true }) report.Fail($"git: round {i}: Fastband did not commit");

                if (withCli)
                {
                    Touch(repo, "cli", i);
                    viaCli.Add(Time(() => Process(cli!, repo, "--agent", "bench", "--project", repo, "git", "commit", "--task", "T1", "-m", $"cli {i}")));
                }
            }
            retries = project.Git.Runner.LockRetries;
            string count = Git(repo, "rev-list", "--count", "HEAD").Trim();
            int expected = 1 + 6 + rounds * (withCli ? 3 : 2);
            if (count != expected.ToString(CultureInfo.InvariantCulture)) report.Fail($"git: expected {expected} commits, found {count}");
        }

        var p = new Samples(plain);
        var o = new Samples(ours);
        report.Row(new SummaryRow("git commit of a one-file change: median / p95", $"{Fmt.Ms(o.Median)} / {Fmt.Ms(o.P95)}",
            $"{Fmt.Ms(p.Median)} / {Fmt.Ms(p.P95)} (git add -A + git commit)", Inv($"{o.Median / p.Median:0.00}x"), "", null));
        Samples? c = viaCli.Count > 0 ? new Samples(viaCli) : null;
        if (c is not null)
            report.Row(new SummaryRow("the same through one `fastband git commit` process: median / p95", $"{Fmt.Ms(c.Median)} / {Fmt.Ms(c.P95)}",
                $"{Fmt.Ms(p.Median)} / {Fmt.Ms(p.P95)}", Inv($"{c.Median / p.Median:0.00}x"), "", null));

        // ---------------------------------------------------------------- sessions
        int sessionRounds = context.Options.Int("session-rounds", 10);
        string conversation = Conversation(10 * 1024 * 1024, out int messages);
        int bytes = Encoding.UTF8.GetByteCount(conversation);
        string contexts = "{\"alice\":{\"files\":[\"src/api.py\"],\"notes\":\"" + new string('n', 10_000) + "\"}}";
        string progress = "{\"T1\":\"done\",\"T2\":\"in_progress\"}";
        var save = new List<double>();
        var restore = new List<double>();
        var rawWrite = new List<double>();
        var rawRead = new List<double>();
        string sessionDir = context.NewDirectory("sessions");
        using (var project = FastbandProject.Open(new ProjectOptions { ProjectPath = sessionDir, Agent = "bench", Environment = _ => null }))
        {
            var input = new SessionInput { SessionId = "s", ConversationHistory = conversation, AgentContexts = contexts, TaskProgress = progress, CurrentTask = "T2" };
            project.Sessions.Save(input); // warm-up
            project.Sessions.Get("s");
            for (int i = 0; i < sessionRounds; i++)
            {
                // The floor any durable save pays on this disk at this moment: the same bytes written to a new file and fsynced.
                // Which goes first alternates, so that neither always meets the other's dirty pages.
                string raw = Path.Combine(sessionDir, $"raw-{i}.json");
                void Floor()
                {
                    rawWrite.Add(Time(() =>
                    {
                        using var f = new FileStream(raw, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0 });
                        f.Write(Encoding.UTF8.GetBytes(conversation));
                        f.Flush(flushToDisk: true);
                    }));
                    rawRead.Add(Time(() => File.ReadAllText(raw)));
                    File.Delete(raw);
                }
                if (i % 2 == 0) Floor();
                save.Add(Time(() => project.Sessions.Save(input with { SessionId = $"s{i}" })));
                SessionState? back = null;
                restore.Add(Time(() => back = project.Sessions.Get($"s{i}")));
                if (i % 2 == 1) Floor();
                if (back is null || back.ConversationHistory.Length != conversation.Length || back.MessageCount != messages)
                    report.Fail($"session: round {i} did not restore the whole conversation");
            }
        }
        context.Discard(sessionDir);
        var s = new Samples(save);
        var g = new Samples(restore);
        var rw = new Samples(rawWrite);
        var rr = new Samples(rawRead);
        report.Row(new SummaryRow($"session save of a {bytes / 1048576.0:0.0} MB conversation ({messages:N0} messages): median / max", $"{Fmt.Ms(s.Median)} / {Fmt.Ms(s.Max)}",
            $"{Fmt.Ms(rw.Median)} / {Fmt.Ms(rw.Max)} (the bytes to a new file + fsync)", Inv($"{s.Median / rw.Median:0.00}x"), "≤ 100 ms", s.Max <= SessionTargetMs));
        report.Row(new SummaryRow("session restore of the same: median / max", $"{Fmt.Ms(g.Median)} / {Fmt.Ms(g.Max)}",
            $"{Fmt.Ms(rr.Median)} / {Fmt.Ms(rr.Max)} (File.ReadAllText)", Inv($"{g.Median / rr.Median:0.00}x"), "≤ 100 ms", g.Max <= SessionTargetMs));

        var body = new StringBuilder();
        body.AppendLine(Inv($"""
            A repository of {files:N0} files (~{files * 450 / 1024:N0} KiB) with `gc.auto 0`. Each round writes one new small file and commits it
            three ways, one after the other: **plain** = `git add -A` then `git commit -q -m MSG` as two processes (no shell);
            **ours** = `project.Git.Commit(...)` on one open project (all changes; it takes the writer lock, runs `git add -A`,
            `git diff --cached --name-only`, `git commit` with the trailers and the agent as author, `git rev-parse HEAD`);
            **CLI** = one `fastband git commit` process (runtime start-up, store open, the same Core call). {rounds} rounds after 3
            untimed ones; index.lock retries during the run: {retries}.

            | variant | median | p95 | max |
            | --- | ---: | ---: | ---: |
            | plain `git add -A && git commit` | {Fmt.Ms(p.Median)} | {Fmt.Ms(p.P95)} | {Fmt.Ms(p.Max)} |
            | Fastband in process | {Fmt.Ms(o.Median)} | {Fmt.Ms(o.P95)} | {Fmt.Ms(o.Max)} |
            """));
        if (c is not null) body.AppendLine(Inv($"| `fastband git commit` process | {Fmt.Ms(c.Median)} | {Fmt.Ms(c.P95)} | {Fmt.Ms(c.Max)} |"));
        body.AppendLine().AppendLine(Inv($"""
            Sessions: a conversation of {messages:N0} messages, {bytes:N0} bytes of JSON, plus small contexts and progress;
            `Sessions.Save` (checks every part with `Utf8JsonReader`, then one `BEGIN IMMEDIATE` upsert of the whole state, the
            conversation as a UTF-8 BLOB in the row, `synchronous=FULL`, and the automatic WAL checkpoint the commit triggers) then
            `Sessions.Get` (the whole state back: the row, the BLOB by incremental I/O, one UTF-8 decode), {sessionRounds} rounds
            after one untimed, each into a new session id. Each
            round also writes the same bytes to a new file with fsync and reads them back (`File.ReadAllText`), before ours in
            even rounds and after in odd ones: the floor for a durable save and a read on this disk at that moment.

            | step | median | max | floor: median / max | target |
            | --- | ---: | ---: | ---: | --- |
            | save | {Fmt.Ms(s.Median)} | {Fmt.Ms(s.Max)} | {Fmt.Ms(rw.Median)} / {Fmt.Ms(rw.Max)} | ≤ 100 ms |
            | restore | {Fmt.Ms(g.Median)} | {Fmt.Ms(g.Max)} | {Fmt.Ms(rr.Median)} / {Fmt.Ms(rr.Max)} | ≤ 100 ms |
            """));
        if (context.Options.Flag("session-variants")) body.AppendLine().Append(Variants(context, Encoding.UTF8.GetBytes(conversation), sessionRounds));
        report.Section("Git safety net and sessions", body.ToString());
        context.Discard(repo);
    }

    /// <summary>
    /// Where a 10 MB save's time goes (<c>--session-variants</c>): the same upsert of the same bytes on a raw connection
    /// with the store's settings (WAL, <c>synchronous=FULL</c>, 4 KiB pages), then with <c>wal_autocheckpoint=0</c> (the
    /// checkpoint timed apart), in stores of 16 and 64 KiB pages, and with a page cache that holds the whole transaction.
    /// Variants take turns round by round.
    /// </summary>
    private static string Variants(BenchContext context, byte[] data, int rounds)
    {
        var names = new[] { "store settings (4 KiB pages, automatic checkpoint)", "wal_autocheckpoint=0: the commit alone", "16 KiB pages", "64 KiB pages", "cache_size 32 MiB (no spill before the commit)" };
        var commits = names.Select(_ => new List<double>()).ToArray();
        var checkpoints = new List<double>();
        string dir = context.NewDirectory("session-variants");
        var connections = new Microsoft.Data.Sqlite.SqliteConnection[names.Length];
        try
        {
            for (int v = 0; v < names.Length; v++)
            {
                connections[v] = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir, $"v{v}.db")};Pooling=False");
                connections[v].Open();
                int page = v == 2 ? 16384 : v == 3 ? 65536 : 4096;
                Exec(connections[v], $"PRAGMA page_size = {page}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;" + (v == 1 ? " PRAGMA wal_autocheckpoint = 0;" : "") + (v == 4 ? " PRAGMA cache_size = -32768;" : "") +
                                     " CREATE TABLE s (id TEXT PRIMARY KEY, conversation BLOB NOT NULL);");
            }
            for (int i = -1; i < rounds; i++)
            {
                for (int v = 0; v < names.Length; v++)
                {
                    var c = connections[v];
                    double t = Time(() =>
                    {
                        Exec(c, "BEGIN IMMEDIATE;");
                        using (var cmd = c.CreateCommand())
                        {
                            cmd.CommandText = "INSERT INTO s VALUES ($id, $c);";
                            cmd.Parameters.AddWithValue("$id", $"s{i}");
                            cmd.Parameters.AddWithValue("$c", data);
                            cmd.ExecuteNonQuery();
                        }
                        Exec(c, "COMMIT;");
                    });
                    double k = v == 1 ? Time(() => Exec(c, "PRAGMA wal_checkpoint(PASSIVE);")) : 0;
                    if (i < 0) continue;
                    commits[v].Add(t);
                    if (v == 1) checkpoints.Add(k);
                }
            }
        }
        finally
        {
            foreach (var c in connections) c?.Dispose();
        }
        context.Discard(dir);
        var sb = new StringBuilder(Inv($"Where the save's time goes (`--session-variants`): the same upsert of the same {data.Length:N0} bytes on a raw connection, {rounds} rounds each after one untimed, variants taking turns.\n\n"));
        sb.AppendLine("| variant | median | max |").AppendLine("| --- | ---: | ---: |");
        for (int v = 0; v < names.Length; v++)
        {
            var x = new Samples(commits[v]);
            sb.AppendLine(Inv($"| {names[v]} | {Fmt.Ms(x.Median)} | {Fmt.Ms(x.Max)} |"));
            if (v == 1)
            {
                var k = new Samples(checkpoints);
                sb.AppendLine(Inv($"| wal_autocheckpoint=0: the checkpoint run after it | {Fmt.Ms(k.Median)} | {Fmt.Ms(k.Max)} |"));
            }
        }
        return sb.ToString();
    }

    private static void Exec(Microsoft.Data.Sqlite.SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>A JSON array of chat messages of about <paramref name="targetBytes"/> bytes.</summary>
    private static string Conversation(int targetBytes, out int messages)
    {
        var sb = new StringBuilder(targetBytes + 4096).Append('[');
        var rng = new Random(7);
        messages = 0;
        while (sb.Length < targetBytes)
        {
            if (messages > 0) sb.Append(',');
            string role = messages % 2 == 0 ? "user" : "assistant";
            int words = 50 + rng.Next(400);
            sb.Append("{\"role\":\"").Append(role).Append("\",\"content\":\"");
            for (int w = 0; w < words; w++) sb.Append(w == 0 ? "" : " ").Append("word").Append(rng.Next(10000));
            sb.Append("\",\"ts\":").Append(1_700_000_000 + messages).Append('}');
            messages++;
        }
        return sb.Append(']').ToString();
    }

    private static void Touch(string repo, string who, int i) =>
        File.WriteAllText(Path.Combine(repo, "src", $"{who}-{i}.txt"), $"{who} change {i}\n");

    private static void Plain(string repo, string message)
    {
        Process("git", repo, "add", "-A");
        Process("git", repo, "commit", "-q", "-m", message);
    }

    private static string Git(string repo, params string[] args) => Process("git", repo, args);

    private static string Process(string file, string cwd, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err}");
        return stdout.Result;
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }
}
