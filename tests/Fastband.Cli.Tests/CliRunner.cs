using System.Diagnostics;
using System.Text.Json;
using Fastband.Core.Tests;

namespace Fastband.Cli.Tests;

/// <summary>Runs the real fastband executable in a scratch project, with no FASTBAND_* variables leaking in.</summary>
public sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Root = Path.Combine(Path.GetTempPath(), "fastband-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Db => Path.Combine(Root, ".fastband", "fastband.db");

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "fastband.dll");

    /// <summary>
    /// The CLI under test when it is an executable of its own: FASTBAND_TEST_CLI (test.sh runs the whole suite a second
    /// time with the shipped native executable there), else null for `dotnet fastband.dll` beside the tests.
    /// </summary>
    public static string? Executable => Environment.GetEnvironmentVariable("FASTBAND_TEST_CLI") is { Length: > 0 } e ? Path.GetFullPath(e) : null;

    /// <summary>The command line that runs the CLI under test, for a shell script: the executable, or dotnet and the dll.</summary>
    public static string ShellCommand => Executable is { } exe ? $"'{exe}'" : $"dotnet '{CliDll}'";

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public ProcessStartInfo StartInfo(IEnumerable<string> args, string? cwd = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(Executable ?? "dotnet")
        {
            WorkingDirectory = cwd ?? Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (Executable is null) psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in new[] { "FASTBAND_AGENT", "FASTBAND_PROJECT", "AGENT_ID", "DATABASE_URL", "FASTBAND_STORE", "FASTBAND_HOST" }) psi.Environment.Remove(key);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return psi;
    }

    public Result Run(params string[] args) => RunIn(null, null, args);

    public Result RunIn(string? cwd, IDictionary<string, string>? env, params string[] args)
    {
        var r = ChildProcess.Run(StartInfo(args, cwd, env));
        return new Result(r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>Runs fastband with <paramref name="stdin"/> written to its standard input, which is then closed.</summary>
    public Result Pipe(string stdin, string? cwd, IDictionary<string, string>? env, params string[] args)
    {
        using var p = ChildProcess.Start(StartInfo(args, cwd, env));
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var r = p.WaitForOutput("it to finish");
        return new Result(r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>Starts fastband and leaves it running: end it with the test (<c>using var p = _cli.Start(...)</c>).</summary>
    public ChildProcess Start(IEnumerable<string> args, string? cwd = null, IDictionary<string, string>? env = null) =>
        ChildProcess.Start(StartInfo(args, cwd, env));

    /// <summary>
    /// Starts fastband with SIGINT at its default disposition, as a terminal starts its foreground job, so a Ctrl+C
    /// (kill -INT) reaches it however the test run was started: a shell without job control starts background jobs
    /// with SIGINT ignored, the ignore survives exec, and fastband (like .NET and any well-behaved program) keeps it.
    /// A non-interactive sh cannot undo an ignore it inherited (trap - INT does nothing); env --default-signal can.
    /// </summary>
    public ChildProcess StartInterruptible(IEnumerable<string> args)
    {
        var psi = StartInfo(args);
        psi.ArgumentList.Insert(0, psi.FileName);
        psi.ArgumentList.Insert(0, "--default-signal=INT");
        psi.FileName = "env";
        return ChildProcess.Start(psi);
    }

    /// <summary>Creates the project's store the way a user's first write does (reads never create one).</summary>
    public void CreateStore()
    {
        var r = As("setup", "ops", "write", "--type", "general", "--message", "project created");
        if (r.ExitCode != 0) throw new InvalidOperationException($"creating the store failed: {r}");
    }

    /// <summary>Runs as <paramref name="agent"/>.</summary>
    public Result As(string agent, params string[] args) => Run(new[] { "--agent", agent }.Concat(args).ToArray());

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
