using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Fastband.Core.Backup.Database;

/// <summary>What a database client tool did.</summary>
internal sealed record ToolRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The last non-empty line of stderr (where the tools put the reason), or the exit code.</summary>
    public string Reason(string? secret)
    {
        string line = StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.Length > 0) ?? $"exit code {ExitCode}";
        return DatabaseTools.Redact(line.TrimEnd('.'), secret);
    }
}

/// <summary>
/// Runs the databases' own client tools: an argument list (never a shell string), stderr captured,
/// the child killed on cancellation, and no password on the command line or in the child's environment (which
/// holds only an allow-list of the caller's variables).
/// </summary>
internal static class DatabaseTools
{
    private const int MaxCapturedChars = 64 * 1024;

    /// <summary>
    /// The only variables a child inherits: what a program needs to run and to format text. Everything else in the
    /// caller's environment stays out (DATABASE_URL, a password variable, tokens of other tools): a child's
    /// environment is readable where `ps e` or /proc shows it, and a scrub by value misses a password written
    /// another way (percent-encoded in a URL). The connection settings travel as arguments and the password in the
    /// tools' own owner-only files; the few variables the tools need (PGPASSFILE, PGCONNECT_TIMEOUT) are set per call.
    /// </summary>
    private static readonly string[] InheritedVariables =
    {
        "PATH", "HOME", "LANG", "TZ", "TMPDIR",
        // Windows cannot start a program, or find its temporary folder, without these.
        "SYSTEMROOT", "WINDIR", "SYSTEMDRIVE", "TEMP", "TMP", "USERPROFILE", "PATHEXT", "COMSPEC",
    };

    private static bool Inherited(string name) =>
        InheritedVariables.Contains(name, OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal)
        || name.StartsWith("LC_", StringComparison.Ordinal);

    /// <summary>The first of <paramref name="names"/> found on PATH, else in <paramref name="fallbackDirs"/> (in order).</summary>
    public static string? Find(IEnumerable<string> names, IEnumerable<string>? fallbackDirs = null)
    {
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string[] dirs = path.Concat(fallbackDirs ?? Array.Empty<string>()).ToArray();
        foreach (string name in names)
        {
            foreach (string dir in dirs)
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
                if (OperatingSystem.IsWindows() && File.Exists(candidate + ".exe")) return candidate + ".exe";
            }
        }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="tool"/>. <paramref name="stdin"/> (if given) is written to the child's input;
    /// <paramref name="stdout"/> (if given) receives the child's output, else it is captured as text.
    /// The child gets only the allow-listed variables of this process plus <paramref name="environment"/>; any that
    /// still holds <paramref name="secret"/> is dropped too, so pass the target's password to every call, also those
    /// that do not connect (a <c>--version</c> call).
    /// </summary>
    public static ToolRun Run(string tool, IEnumerable<string> arguments, CancellationToken cancellation,
        string? secret, IReadOnlyDictionary<string, string>? environment = null,
        Action<Stream, CancellationToken>? stdin = null, Stream? stdout = null)
    {
        cancellation.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments) psi.ArgumentList.Add(argument);
        foreach (string name in psi.Environment.Keys.Where(n => !Inherited(n)).ToArray()) psi.Environment.Remove(name);
        if (!string.IsNullOrEmpty(secret))
        {
            foreach (string name in psi.Environment.Where(kv => kv.Value is not null && kv.Value.Contains(secret, StringComparison.Ordinal)).Select(kv => kv.Key).ToArray())
            {
                psi.Environment.Remove(name);
            }
        }
        psi.Environment["LC_MESSAGES"] = "C";
        if (environment is not null)
        {
            foreach (var (name, value) in environment) psi.Environment[name] = value;
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NotFoundException("DatabaseToolMissing", $"{tool} could not be started ({e.Message}): install the database's client tools.");
        }

        using var kill = cancellation.Register(() =>
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
        });
        Task<string> error = ReadCappedAsync(process.StandardError);
        Task<string> output = stdout is null
            ? ReadCappedAsync(process.StandardOutput)
            : process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellation).ContinueWith(t => { t.GetAwaiter().GetResult(); return ""; }, TaskScheduler.Default);
        Exception? inputFailure = null;
        try
        {
            if (stdin is not null) stdin(process.StandardInput.BaseStream, cancellation);
        }
        catch (IOException)
        {
            // The child stopped reading (it failed or was killed); its stderr and exit code say why.
        }
        catch (Exception e) when (e is InvalidDataException or OperationCanceledException)
        {
            inputFailure = e;
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        finally
        {
            try { process.StandardInput.Close(); } catch (IOException) { }
        }

        process.WaitForExit();
        string stderr, stdoutText;
        try
        {
            stderr = error.GetAwaiter().GetResult();
            stdoutText = output.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            cancellation.ThrowIfCancellationRequested();
            throw;
        }
        cancellation.ThrowIfCancellationRequested();
        if (inputFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inputFailure);
        return new ToolRun(process.ExitCode, stdoutText, stderr);
    }

    private static async Task<string> ReadCappedAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        char[] buffer = new char[8192];
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
        {
            int keep = Math.Min(n, MaxCapturedChars - text.Length);
            if (keep > 0) text.Append(buffer, 0, keep);
        }
        return text.ToString();
    }

    /// <summary>Removes <paramref name="secret"/> from a message a tool printed.</summary>
    public static string Redact(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);

    /// <summary>A lower-case random suffix safe in any identifier.</summary>
    public static string RandomSuffix() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    /// <summary>Creates an empty file only its owner can read and write (before anything is written to it).</summary>
    public static FileStream CreateOwnerOnly(string path, FileMode mode = FileMode.CreateNew)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }

    /// <summary>A temporary file name beside <paramref name="final"/>, hidden, that a rename can move into place.</summary>
    public static string TempBeside(string final) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(final))!, $".{System.IO.Path.GetFileName(final)}.tmp-{RandomSuffix()}");

    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// A credentials file for one tool call: created owner-only (0600) from the start inside a private
/// (0700) temporary folder, and deleted with its folder on Dispose.
/// </summary>
internal sealed class CredentialsFile : IDisposable
{
    public CredentialsFile(string fileName, string contents)
    {
        Folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fastband-cred-" + DatabaseTools.RandomSuffix());
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Folder);
        }
        else
        {
            Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Path = System.IO.Path.Combine(Folder, fileName);
        try
        {
            using var stream = DatabaseTools.CreateOwnerOnly(Path);
            byte[] bytes = new UTF8Encoding(false).GetBytes(contents);
            stream.Write(bytes);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Folder { get; }

    public string Path { get; }

    public void Dispose()
    {
        DatabaseTools.TryDelete(Path);
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
