using System.Runtime.InteropServices;

namespace Fastband.Core.Setup;

/// <summary>
/// How a scheduler or an agent starts Fastband: a program and the arguments before Fastband's own (the CLI's dll
/// when it runs through the dotnet host). FASTBAND_LAUNCHER names it first: the ./fastband wrapper exports its own
/// path there, so what init writes keeps working after the wrapper rebuilds the CLI.
/// </summary>
public sealed record Launcher(string Command, IReadOnlyList<string> PrefixArguments)
{
    public const string Variable = "FASTBAND_LAUNCHER";

    /// <summary>FASTBAND_LAUNCHER, else the running executable (for `dotnet fastband.dll`: dotnet and the dll).</summary>
    public static Launcher ForThisProcess(Func<string, string?>? environment = null)
    {
        if (FromVariable(environment ?? Environment.GetEnvironmentVariable) is { } set) return set;
        string process = Environment.ProcessPath ?? throw new InvalidInputException("NoLauncher",
            $"The path of the running fastband executable is unknown: set {Variable} to the fastband command to run.");
        string name = System.IO.Path.GetFileNameWithoutExtension(process);
        // Under `dotnet fastband.dll` the first command-line argument is the dll's path.
        if (name.Equals("dotnet", StringComparison.OrdinalIgnoreCase) && Environment.GetCommandLineArgs() is [{ Length: > 0 } dll, ..]
            && dll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            return new Launcher(process, new[] { System.IO.Path.GetFullPath(dll) });
        return new Launcher(process, Array.Empty<string>());
    }

    /// <summary>FASTBAND_LAUNCHER, else a `fastband` on PATH; null when neither is there (the PowerShell module has no executable of its own).</summary>
    public static Launcher? FromEnvironmentOrPath(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (FromVariable(environment) is { } set) return set;
        return FindOnPath("fastband", environment) is { } found ? new Launcher(found, Array.Empty<string>()) : null;
    }

    /// <summary>A launcher given by path (-Launcher, FASTBAND_LAUNCHER): made absolute, and it must exist.</summary>
    public static Launcher FromPath(string path, string origin)
    {
        string full = System.IO.Path.GetFullPath(path.Trim());
        if (!File.Exists(full))
            throw new InvalidInputException("LauncherNotFound", $"{origin} names '{full}', which is not a file: point it at the fastband command (the ./fastband script of a checkout, or the published fastband executable).");
        return new Launcher(full, Array.Empty<string>());
    }

    private static Launcher? FromVariable(Func<string, string?> environment) =>
        environment(Variable) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? FromPath(value, Variable) : null;

    /// <summary>The full argument list after the program: the prefix, then <paramref name="arguments"/>.</summary>
    public IReadOnlyList<string> Arguments(params string[] arguments) => PrefixArguments.Concat(arguments).ToArray();

    /// <summary>The command as one POSIX shell line, each word quoted where it needs to be.</summary>
    public string ShellLine(params string[] arguments) => string.Join(' ', new[] { Command }.Concat(Arguments(arguments)).Select(ShellQuote.Posix));

    /// <summary>The first executable file called <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? path = environment("PATH");
        if (string.IsNullOrEmpty(path)) return null;
        string[] names = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? new[] { name + ".exe", name + ".cmd", name } : new[] { name };
        foreach (string dir in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string n in names)
            {
                string candidate = System.IO.Path.Combine(dir, n);
                if (File.Exists(candidate)) return System.IO.Path.GetFullPath(candidate);
            }
        return null;
    }
}

/// <summary>Quoting for the command lines init writes.</summary>
public static class ShellQuote
{
    /// <summary>A word for a POSIX shell: as it is when it holds only safe characters, else in single quotes.</summary>
    public static string Posix(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ':' or '=' or '@' or ',')
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>A string for PowerShell, in single quotes.</summary>
    public static string PowerShell(string text) => "'" + text.Replace("'", "''") + "'";

    /// <summary>A basic TOML string.</summary>
    public static string Toml(string text)
    {
        var sb = new System.Text.StringBuilder("\"");
        foreach (char c in text)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }
}
