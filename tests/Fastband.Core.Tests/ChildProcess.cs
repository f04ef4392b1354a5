using System.ComponentModel;
using System.Diagnostics;

namespace Fastband.Core.Tests;

/// <summary>
/// A process a test started. Disposing it kills it with its whole tree if it still runs, so a test that fails
/// half-way never leaves a watcher or a worker running for hours. Every wait has a deadline, generous because a
/// loaded gate machine is slow, and a failed wait says what it waited for and kills the tree.
/// Start it with <c>using var p = ChildProcess.Start(...)</c> (a plain <see cref="Process"/> in a <c>using</c> is
/// only disposed, not ended).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    /// <summary>How long a test waits for a child by default: far longer than any of them takes on an idle machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>How long killing waits for the tree to be gone (SIGKILL: normally milliseconds).</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(30);

    private ChildProcess(Process process, string what)
    {
        Process = process;
        What = what;
    }

    /// <summary>The command line, for messages: "dotnet fastband.dll --agent w events watch (pid 1234)".</summary>
    public string What { get; }

    public Process Process { get; }

    public int Id => Process.Id;

    public bool HasExited => Process.HasExited;

    public int ExitCode => Process.ExitCode;

    public StreamWriter StandardInput => Process.StandardInput;

    public StreamReader StandardOutput => Process.StandardOutput;

    public StreamReader StandardError => Process.StandardError;

    public static ChildProcess Start(ProcessStartInfo psi)
    {
        psi.UseShellExecute = false;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"{Describe(psi)} did not start");
        return new ChildProcess(process, $"{Describe(psi)} (pid {process.Id})");
    }

    /// <summary>Runs <paramref name="psi"/> to the end (standard input closed, output captured); on the deadline kills it and fails.</summary>
    public static Output Run(ProcessStartInfo psi, TimeSpan? deadline = null)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var p = Start(psi);
        if (psi.RedirectStandardInput) p.StandardInput.Close();
        return p.WaitForOutput("it to finish", deadline);
    }

    public static Output Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Run(psi);
    }

    public sealed record Output(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Waits for the exit; past the deadline kills the tree and throws, naming <paramref name="waitingFor"/>.</summary>
    public void WaitForExit(string waitingFor, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Patience;
        if (!Process.WaitForExit(limit)) throw GaveUp(waitingFor, limit);
        Process.WaitForExit(); // the asynchronous readers, if any, have their last lines too
    }

    /// <summary>Reads standard output and error to the end and waits for the exit, all within the deadline.</summary>
    public Output WaitForOutput(string waitingFor, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Patience;
        var stdout = Process.StartInfo.RedirectStandardOutput ? Process.StandardOutput.ReadToEndAsync() : Task.FromResult("");
        var stderr = Process.StartInfo.RedirectStandardError ? Process.StandardError.ReadToEndAsync() : Task.FromResult("");
        if (!Task.WaitAll(new Task[] { stdout, stderr }, limit) || !Process.WaitForExit(limit)) throw GaveUp(waitingFor, limit);
        return new Output(Process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The next line of standard output; fails if none comes within the deadline or the process ends first.</summary>
    public async Task<string> ReadLineAsync(string waitingFor, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Patience;
        string? line;
        try
        {
            line = await Process.StandardOutput.ReadLineAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw GaveUp(waitingFor, limit);
        }
        return line ?? throw Ended(waitingFor);
    }

    public string ReadLine(string waitingFor, TimeSpan? deadline = null) => ReadLineAsync(waitingFor, deadline).GetAwaiter().GetResult();

    /// <summary>SIGKILL to the process and everything it started, then waits until it is gone.</summary>
    public void Kill()
    {
        try
        {
            if (Process.HasExited) return;
            Process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { return; } // it ended meanwhile
        catch (Win32Exception) { } // a child of it ended meanwhile
        if (!Process.WaitForExit(KillWait))
            throw new TimeoutException($"{What} was sent SIGKILL but had not ended {KillWait.TotalSeconds:0} s later");
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        finally
        {
            Process.Dispose();
        }
    }

    private TimeoutException GaveUp(string waitingFor, TimeSpan limit)
    {
        Kill();
        return new TimeoutException($"gave up after {limit.TotalSeconds:0} s waiting for {waitingFor}: {What}; killed it");
    }

    /// <summary>The failure to throw when the process ended before <paramref name="waitingFor"/>: its exit code and standard error.</summary>
    internal InvalidOperationException Ended(string waitingFor)
    {
        Process.WaitForExit(KillWait);
        string stderr = "";
        try
        {
            if (Process.StartInfo.RedirectStandardError) stderr = Process.StandardError.ReadToEnd(); // it has ended: complete
        }
        catch (InvalidOperationException) { } // read asynchronously elsewhere
        return new InvalidOperationException(
            $"{What} ended (exit {(Process.HasExited ? Process.ExitCode.ToString() : "?")}) before {waitingFor}. stderr: {stderr.Trim()}");
    }

    private static string Describe(ProcessStartInfo psi)
    {
        var args = psi.ArgumentList.Count > 0 ? psi.ArgumentList : (IEnumerable<string>)(psi.Arguments.Length > 0 ? new[] { psi.Arguments } : Array.Empty<string>());
        return string.Join(' ', new[] { psi.FileName }.Concat(args.Select(a => Path.IsPathRooted(a) && a.EndsWith(".dll", StringComparison.Ordinal) ? Path.GetFileName(a) : a)));
    }
}

/// <summary>Processes a test starts together (a race's workers): disposing it ends every one still running.</summary>
public sealed class ChildProcesses : IDisposable
{
    private readonly List<ChildProcess> _started = new();

    public ChildProcess Start(ProcessStartInfo psi)
    {
        var p = ChildProcess.Start(psi);
        _started.Add(p);
        return p;
    }

    public void Dispose()
    {
        var failures = new List<Exception>();
        foreach (var p in _started)
        {
            try { p.Dispose(); }
            catch (TimeoutException e) { failures.Add(e); }
        }
        _started.Clear();
        if (failures.Count > 0) throw new AggregateException("some test processes could not be ended", failures);
    }
}
