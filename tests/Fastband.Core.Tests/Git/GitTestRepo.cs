using System.Diagnostics;
using Xunit;

namespace Fastband.Core.Tests.Git;

/// <summary>
/// A real git repository in a scratch folder, with its own user.name/user.email (never the global config) and
/// one first commit, plus the projects a test opens on it (each closed at the end).
/// </summary>
public sealed class GitTestRepo : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly List<FastbandProject> _open = new();

    public GitTestRepo(bool initialCommit = true)
    {
        Git("init", "-q", "-b", "main");
        Git("config", "user.name", "Test User");
        Git("config", "user.email", "test@example.invalid");
        Git("config", "gc.auto", "0");
        Git("config", "commit.gpgsign", "false");
        if (initialCommit)
        {
            Write("README.md", "hello\n");
            Git("add", "README.md");
            Git("commit", "-q", "-m", "first");
        }
    }

    public string Root => _dir.Root;
    public ManualClock Clock { get; } = new();

    public FastbandProject As(string agent, string? session = null)
    {
        var p = FastbandProject.Open(new ProjectOptions { ProjectPath = Root, Agent = agent, Session = session, Clock = Clock, Environment = _ => null });
        _open.Add(p);
        return p;
    }

    public string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public void Write(string relative, string text) => WriteBytes(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public void WriteBytes(string relative, byte[] bytes)
    {
        string full = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    public string Read(string relative) => File.ReadAllText(Path(relative));

    /// <summary>Runs git in the repository; fails the test if it fails. Returns stdout.</summary>
    public string Git(params string[] args) => GitIn(Root, args);

    public static string GitIn(string dir, params string[] args)
    {
        var (code, stdout, stderr) = TryGitIn(dir, args);
        Assert.True(code == 0, $"git {string.Join(' ', args)} failed ({code}): {stderr}");
        return stdout;
    }

    public (int Code, string Stdout, string Stderr) TryGit(params string[] args) => TryGitIn(Root, args);

    public static (int Code, string Stdout, string Stderr) TryGitIn(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = dir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";
        var r = ChildProcess.Run(psi);
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>The raw bytes of a file in a commit.</summary>
    public byte[] Blob(string commit, string path)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "cat-file", "blob", $"{commit}:{path}" }) psi.ArgumentList.Add(a);
        using var p = ChildProcess.Start(psi);
        using var ms = new MemoryStream();
        var stderr = p.StandardError.ReadToEndAsync();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(ms);
        if (!copy.Wait(ChildProcess.Patience)) throw new TimeoutException($"gave up after {ChildProcess.Patience.TotalSeconds:0} s waiting for the blob from {p.What}");
        p.WaitForExit($"git cat-file to end after printing {path}");
        Assert.True(p.ExitCode == 0, $"{path} is not in {commit}: {stderr.Result}");
        return ms.ToArray();
    }

    public string Head() => Git("rev-parse", "HEAD").Trim();

    public void Dispose()
    {
        foreach (var p in _open) p.Dispose();
        _dir.Dispose();
    }
}
