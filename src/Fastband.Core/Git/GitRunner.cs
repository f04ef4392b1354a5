using System.Diagnostics;
using System.Text;

namespace Fastband.Core.Git;

/// <summary>What one git process did.</summary>
public sealed record GitRun(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;

    /// <summary>
    /// Why git failed, as one sentence: stderr without git's "hint:" advice, from its first "fatal:"/"error:" line
    /// when it has one, the lines joined (a line ending in ':' introduces a list, e.g. of ignored paths, joined
    /// with commas); else the first line of stdout; else the exit code. Never empty, never several lines.
    /// </summary>
    public string Reason
    {
        get
        {
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !l.StartsWith("hint:", StringComparison.Ordinal)).ToList();
            int first = lines.FindIndex(l => l.StartsWith("fatal:", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal));
            if (first > 0) lines.RemoveRange(0, first);
            if (lines.Count == 0 && Output.Trim().Length > 0) lines.Add(Output.Trim().Split('\n')[0].Trim());
            if (lines.Count == 0) return $"exit code {ExitCode}";
            var sentence = new StringBuilder(lines[0]);
            bool listing = lines[0].EndsWith(':');
            foreach (string line in lines.Skip(1))
            {
                if (sentence.Length > MaxReasonLength) { sentence.Append(" ..."); break; }
                bool message = line.StartsWith("fatal:", StringComparison.Ordinal) || line.StartsWith("error:", StringComparison.Ordinal)
                               || line.StartsWith("warning:", StringComparison.Ordinal);
                if (message) listing = false;
                sentence.Append(sentence[^1] == ':' ? " " : listing ? ", " : "; ").Append(line);
                if (line.EndsWith(':')) listing = true;
            }
            return sentence.ToString().TrimEnd('.', ':', ' ');
        }
    }

    /// <summary>How much of git's stderr a <see cref="Reason"/> keeps (git can list thousands of paths).</summary>
    public const int MaxReasonLength = 400;

    /// <summary>
    /// The exception for a failed call: <see cref="BlockedException"/> (GitLocked) when another git process held a
    /// lock file, else <see cref="FastbandException"/> (GitFailed) saying what failed and git's <see cref="Reason"/>.
    /// </summary>
    public FastbandException Failure(string what) =>
        LockContention
            ? new BlockedException("GitLocked", $"git {what} could not run: {Reason}; another git process kept its lock file for too long (if none is running, delete the .lock file it names).")
            : new FastbandException(FailureKind.Failed, "GitFailed", $"git {what} failed: {Reason}.");

    /// <summary>Returns this run when git succeeded; throws <see cref="Failure"/> when it did not.</summary>
    public GitRun ThrowIfFailed(string what) => Ok ? this : throw Failure(what);

    /// <summary>
    /// True when git failed because another git process held a lock file (index.lock, a ref's .lock):
    /// git does not retry those itself, and the command changed nothing, so it is safe to run again.
    /// </summary>
    public bool LockContention =>
        !Ok && (Error.Contains(".lock': File exists", StringComparison.Ordinal)
                || Error.Contains("index.lock", StringComparison.Ordinal)
                || Error.Contains("cannot lock ref", StringComparison.Ordinal)
                || Error.Contains("Unable to create", StringComparison.Ordinal) && Error.Contains(".lock", StringComparison.Ordinal));
}

/// <summary>
/// Runs the real <c>git</c>: an argument list (never a shell string), output captured, the locale fixed to C
/// so messages can be parsed, and every variable set only on the child's environment (never this process's,
/// which other threads and cmdlets share). Variables that would point git at another repository or index
/// (GIT_DIR, GIT_INDEX_FILE, ...) are removed from the child unless the call sets them itself.
/// </summary>
public sealed class GitRunner
{
    private static readonly string[] InheritedRepositoryVariables =
    {
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_ICASE_PATHSPECS",
    };

    /// <summary>How long writers retry a command that met another git process's lock file.</summary>
    public static readonly TimeSpan DefaultLockRetry = TimeSpan.FromSeconds(20);

    public GitRunner(string workingDirectory, string executable = "git")
    {
        WorkingDirectory = workingDirectory;
        Executable = executable;
    }

    public string WorkingDirectory { get; }
    public string Executable { get; }

    /// <summary>How many times a command was run again after meeting a lock file (for tests and the bench).</summary>
    public int LockRetries { get; private set; }

    /// <summary>
    /// Runs git once. Read-only callers pass <paramref name="readOnly"/>, which adds <c>--no-optional-locks</c>
    /// so that e.g. <c>status</c> never takes index.lock to refresh its stat cache.
    /// </summary>
    public GitRun Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? input = null, bool readOnly = false)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            CreateNoWindow = true,
            WorkingDirectory = WorkingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (readOnly) psi.ArgumentList.Add("--no-optional-locks");
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        foreach (string name in InheritedRepositoryVariables) psi.Environment.Remove(name);
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["LANGUAGE"] = "C";
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_EDITOR"] = ":";
        if (readOnly) psi.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        if (environment is not null)
            foreach (var (name, value) in environment) psi.Environment[name] = value;

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NotFoundException("GitMissing", $"git could not be started ({e.Message}): install git and make sure it is on PATH.");
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            try
            {
                process.StandardInput.Write(input);
                process.StandardInput.Close();
            }
            catch (IOException) { /* git stopped reading; its exit code and stderr say why */ }
        }
        process.WaitForExit();
        return new GitRun(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>
    /// Runs a writing command; when it fails only because another git process holds a lock file, runs it
    /// again after a jittered, growing pause (5 ms doubling to 400 ms, each a random part of that), for up
    /// to <paramref name="patience"/>. Only commands that change nothing when they fail on a lock belong here.
    /// </summary>
    public GitRun RunRetrying(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? input = null, TimeSpan? patience = null)
    {
        var args = arguments as IReadOnlyList<string> ?? arguments.ToArray();
        var limit = patience ?? DefaultLockRetry;
        var clock = Stopwatch.StartNew();
        double ceilingMs = 5;
        while (true)
        {
            var run = Run(args, environment, input);
            if (!run.LockContention || clock.Elapsed >= limit) return run;
            LockRetries++;
            Thread.Sleep(TimeSpan.FromMilliseconds(1 + Random.Shared.NextDouble() * ceilingMs));
            ceilingMs = Math.Min(ceilingMs * 2, 400);
        }
    }
}
