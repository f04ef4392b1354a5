namespace Fastband.Core.Tests.Setup;

/// <summary>
/// The crontab program the schedule tests use: the machine's real one when it has one (the tests save the user's
/// crontab and put it back), else a stand-in script keeping the crontab in a file, named through FASTBAND_CRONTAB.
/// </summary>
public static class TestCrontab
{
    private static readonly Lazy<string?> FakeProgram = new(() =>
    {
        if (Fastband.Core.Setup.Launcher.FindOnPath("crontab") is not null) return null;
        string dir = Path.Combine(Path.GetTempPath(), "fastband-fake-crontab-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        string script = Path.Combine(dir, "crontab");
        File.WriteAllText(script, """
            #!/bin/sh
            f="$(dirname "$0")/crontab.txt"
            case "$1" in
              -l) if [ -f "$f" ]; then cat "$f"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
              -) cat > "$f" ;;
              -r) rm -f "$f" ;;
              *) echo "usage: crontab -l | - | -r" >&2; exit 2 ;;
            esac
            """.Replace("\r\n", "\n") + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    });

    /// <summary>The program to run as crontab: "crontab", or the stand-in's path.</summary>
    public static string Program => FakeProgram.Value ?? "crontab";

    /// <summary>FASTBAND_CRONTAB when the stand-in is in use, else null.</summary>
    public static string? Variable => FakeProgram.Value;
}
