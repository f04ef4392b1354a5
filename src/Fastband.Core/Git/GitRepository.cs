using System.Globalization;

namespace Fastband.Core.Git;

/// <summary>
/// Where a repository is: its work tree's top, its git folder, the common folder its worktrees share, and the
/// project's .fastband/ folder relative to the top (null when that folder is outside the work tree).
/// </summary>
internal sealed record GitLocation(string Top, string GitDir, string CommonDir, string? StatePath)
{
    /// <summary>The pathspec that leaves .fastband/ out, or null when it is not in the work tree.</summary>
    public string? StateExclude => StatePath is null ? null : ":(top,exclude,glob)" + GlobLiteral(StatePath) + "/**";

    /// <summary>
    /// Every path in the repository but the project's .fastband/ folder (the store must never be committed or reset).
    /// The exclude is a glob whose first character is escaped: git (2.39 and later, dir.c exclude_matches_pathspec)
    /// treats an exclude pathspec as naming its path, so when .gitignore lists .fastband/, a literal
    /// ':(exclude).fastband' makes 'git add' report ".fastband is ignored" and exit 1 although it staged the rest.
    /// A pattern with no wildcard-free prefix names no path, excludes the same files, and works whether or not the
    /// folder is ignored, or holds files tracked from before.
    /// </summary>
    public string[] AllPathspec => StateExclude is null ? new[] { ":/" } : new[] { ":/", StateExclude };

    /// <summary>True for the .fastband/ folder and anything in it.</summary>
    public bool IsState(string path) =>
        StatePath is not null && (path.TrimEnd('/') == StatePath || path.StartsWith(StatePath + "/", StringComparison.Ordinal));

    /// <summary>A path as a glob that matches only itself, with no wildcard-free prefix (every character escaped).</summary>
    private static string GlobLiteral(string path) => string.Concat(path.Select(c => c == '/' ? "/" : "\\" + c));
}

/// <summary>
/// The plumbing the git safety net's parts share: finding the repository, the writer lock, the agent's identity,
/// and the reads several of them make (rev-parse, ls-files, ls-tree, hash-object, log), with git's output parsed.
/// Every call goes through one <see cref="GitRunner"/>, which retries git's own lock files.
/// </summary>
internal sealed class GitRepository(string projectRoot, string stateDirectory, CallerIdentity caller, string? session, TimeProvider clock)
{
    private GitLocation? _location;
    private bool? _hasCommitterIdentity;

    public string ProjectRoot { get; } = projectRoot;
    public CallerIdentity Caller { get; } = caller;

    /// <summary>The caller's session, written as the <c>Session:</c> trailer and recorded with checkpoints and snapshots.</summary>
    public string? Session { get; } = session;

    public TimeProvider Clock { get; } = clock;
    public GitRunner Runner { get; } = new(projectRoot);

    /// <summary>How long a writer waits for another Fastband writer in the same repository.</summary>
    public TimeSpan WriterTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The repository the project folder is in (found once), or the reason there is none, as an error for the caller.</summary>
    public GitLocation Locate()
    {
        if (_location is not null) return _location;
        if (!Directory.Exists(ProjectRoot))
            throw new NotFoundException("NotAGitRepository", $"The folder '{ProjectRoot}' does not exist, so it is not a git repository: pass --project (-Project) for your repository's folder.");
        var run = Runner.Run(new[] { "rev-parse", "--path-format=absolute", "--show-toplevel", "--absolute-git-dir", "--git-common-dir" }, readOnly: true);
        if (!run.Ok)
        {
            if (run.Error.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
                throw new NotFoundException("NotAGitRepository",
                    $"'{ProjectRoot}' is not in a git repository: run 'git init' there, or pass --project (-Project) for a folder inside one.");
            if (run.Error.Contains("must be run in a work tree", StringComparison.Ordinal))
                throw new InvalidInputException("NotAWorkTree", $"'{ProjectRoot}' is inside a bare repository or a .git folder: pass --project (-Project) for a work tree.");
            throw Failed("rev-parse", run);
        }
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string top = lines[0];
        string rel = Path.GetRelativePath(top, stateDirectory).Replace('\\', '/');
        string? state = rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) || rel == "." ? null : rel.TrimEnd('/');
        return _location = new GitLocation(top, lines[1], lines[2], state);
    }

    /// <summary>Waits (at most <see cref="WriterTimeout"/>) to be the repository's one Fastband writer.</summary>
    public GitWriterLock Lock(GitLocation repo, string activity) => GitWriterLock.Acquire(repo.CommonDir, Caller, activity, WriterTimeout, Clock);

    /// <summary>The author is the agent (and the committer too when the repository has no identity configured).</summary>
    public Dictionary<string, string> Identity()
    {
        string email = $"{Caller.Agent}@agents.fastband.invalid";
        var env = new Dictionary<string, string> { ["GIT_AUTHOR_NAME"] = Caller.Agent, ["GIT_AUTHOR_EMAIL"] = email };
        _hasCommitterIdentity ??= Split(Runner.Run(new[] { "config", "--name-only", "--get-regexp", @"^user\.(name|email)$" }, readOnly: true).Output).Distinct().Count() == 2;
        if (_hasCommitterIdentity == false)
        {
            env["GIT_COMMITTER_NAME"] = Caller.Agent;
            env["GIT_COMMITTER_EMAIL"] = email;
        }
        return env;
    }

    /// <summary>The commit a revision names, or null when it names none.</summary>
    public string? ResolveCommit(string rev)
    {
        var run = Runner.Run(new[] { "rev-parse", "-q", "--verify", rev + "^{commit}" }, readOnly: true);
        return run.Ok ? run.Output.Trim() : null;
    }

    /// <summary>Untracked files git does not ignore (paths from the top), .fastband/ left out.</summary>
    public List<string> Untracked(GitLocation repo)
    {
        var run = Runner.Run(new[] { "ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--" }.Concat(repo.AllPathspec), readOnly: true);
        if (!run.Ok) throw Failed("ls-files", run);
        return Split0(run.Output);
    }

    /// <summary>Of the named files (relative to the project folder), those git ignores and does not track.</summary>
    public List<string> IgnoredUntracked(IReadOnlyList<string> files)
    {
        // check-ignore without --no-index reports only untracked paths: a tracked file that matches a rule commits fine.
        var run = Runner.Run(new[] { "check-ignore", "-z", "--stdin" }, input: string.Join('\0', files) + "\0", readOnly: true);
        if (run.ExitCode > 1) throw Failed("check-ignore", run); // 1: none is ignored
        return Split0(run.Output);
    }

    /// <summary>Path (from the top) to blob id, for every file in a commit's tree.</summary>
    public Dictionary<string, string> TreePaths(string commit)
    {
        var run = Runner.Run(new[] { "ls-tree", "-r", "-z", "--full-tree", commit }, readOnly: true);
        if (!run.Ok) throw Failed("ls-tree", run);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in Split0(run.Output))
        {
            int tab = entry.IndexOf('\t');
            var meta = entry[..tab].Split(' ');
            if (meta.Length >= 3) map[entry[(tab + 1)..]] = meta[2];
        }
        return map;
    }

    /// <summary>The blob id each file would have, read from the work tree (without writing objects).</summary>
    public static Dictionary<string, string> Hashes(GitLocation repo, IReadOnlyList<string> paths)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in paths.Chunk(200))
        {
            var run = new GitRunner(repo.Top).Run(new[] { "hash-object", "--" }.Concat(chunk), readOnly: true);
            if (!run.Ok) throw Failed("hash-object", run);
            var ids = Split(run.Output);
            for (int i = 0; i < chunk.Length && i < ids.Count; i++) map[chunk[i]] = ids[i];
        }
        return map;
    }

    /// <summary>
    /// The refs matching <paramref name="pattern"/>, newest first, each as the values of <paramref name="fields"/>
    /// (git for-each-ref format atoms) in that order.
    /// </summary>
    public List<string[]> NewestRefs(string pattern, params string[] fields)
    {
        var run = Runner.Run(new[] { "for-each-ref", "--sort=-creatordate", "--format=" + string.Join("%00", fields) + "%1e", pattern }, readOnly: true);
        if (!run.Ok) throw Failed("for-each-ref", run);
        return Records(run.Output).Select(r => r.Split('\0')).Where(f => f.Length >= fields.Length).ToList();
    }

    /// <summary>The last <paramref name="count"/> commits from <paramref name="from"/>, newest first, with their Fastband trailers.</summary>
    public List<GitCommitInfo> Log(int count, string from, bool firstParent = false)
    {
        var args = new List<string> { "log", $"--max-count={count}" };
        if (firstParent) args.Add("--first-parent");
        args.AddRange(new[]
        {
            "--format=%H%x00%P%x00%an%x00%aI%x00%(trailers:key=Agent,valueonly,separator=%x2C)%x00%(trailers:key=Task,valueonly,separator=%x2C)%x00%(trailers:key=Session,valueonly,separator=%x2C)%x00%s%x1e",
            from, "--",
        });
        var run = Runner.Run(args, readOnly: true);
        if (!run.Ok) throw Failed("log", run);
        var list = new List<GitCommitInfo>();
        foreach (var rec in Records(run.Output))
        {
            var f = rec.Split('\0');
            if (f.Length < 8) continue;
            list.Add(new GitCommitInfo
            {
                CommitId = f[0], ShortId = f[0][..7], Parents = Split(f[1]), Author = f[2], AuthoredAt = ParseDate(f[3]) ?? default,
                Agent = Blank(f[4]), Task = Blank(f[5]), Session = Blank(f[6]), Subject = f[7],
            });
        }
        return list;
    }

    // ---------------------------------------------------------------- input and output

    /// <summary>One line of 1 to <paramref name="max"/> characters, trimmed; else the error for the option it came from.</summary>
    public static string Line(string? value, string what, int max, string errorId)
    {
        string v = (value ?? "").Trim();
        if (v.Length == 0 || v.Length > max || v.Contains('\n') || v.Contains('\r'))
            throw new InvalidInputException(errorId, $"The {what} must be one line of 1 to {max} characters (--{what}).");
        return v;
    }

    public static FastbandException Failed(string what, GitRun run) => run.Failure(what);

    /// <summary>The records of a <c>--format=...%x1e</c> listing.</summary>
    public static IEnumerable<string> Records(string output) =>
        output.Split('\x1e').Select(r => r.Trim('\n', '\r')).Where(r => r.Length > 0);

    public static List<string> Split0(string output) => output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();

    public static List<string> Split(string output) =>
        output.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string? Blank(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static DateTimeOffset? ParseDate(string s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d.ToUniversalTime() : null;

    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
