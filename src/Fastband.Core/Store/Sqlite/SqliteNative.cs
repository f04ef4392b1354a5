using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Fastband.Core.Store;

/// <summary>
/// Makes the bundled native SQLite library load wherever Fastband's assemblies are loaded from.
/// An application finds <c>runtimes/&lt;rid&gt;/native/</c> through its deps.json, but a PowerShell module is
/// loaded by path into pwsh's process, whose deps.json knows nothing of it; this resolver looks
/// beside the provider assembly instead.
/// </summary>
internal static class SqliteNative
{
    private static readonly object Gate = new();
    private static bool _initialized;

    public static void EnsureInitialized()
    {
        if (_initialized) return;
        lock (Gate)
        {
            if (_initialized) return;
            var provider = typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly;
            try
            {
                NativeLibrary.SetDllImportResolver(provider, Resolve);
            }
            catch (InvalidOperationException)
            {
                // Someone else already set a resolver for this assembly; theirs stands.
            }
            SQLitePCL.Batteries_V2.Init();
            _initialized = true;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != "e_sqlite3") return IntPtr.Zero;
        string? baseDir = DirectoryOf(assembly);
        if (string.IsNullOrEmpty(baseDir)) return IntPtr.Zero;
        foreach (string candidate in Candidates(baseDir))
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out IntPtr handle)) return handle;
        }
        return IntPtr.Zero; // fall back to the default probing (deps.json, app folder)
    }

    /// <summary>
    /// Where the assembly was loaded from; in a native (AOT) executable, which has no assembly files, the
    /// executable's folder, where the publish put the library: loading it by path there skips the dynamic
    /// loader's walk through a dozen system folders first (about 1 ms of a 10 ms command).
    /// </summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Empty in a Native AOT or single-file executable, and then the executable's folder is used.")]
    private static string? DirectoryOf(Assembly assembly) =>
        assembly.Location is { Length: > 0 } location ? Path.GetDirectoryName(location) : AppContext.BaseDirectory;

    private static IEnumerable<string> Candidates(string baseDir)
    {
        string file = OperatingSystem.IsWindows() ? "e_sqlite3.dll"
            : OperatingSystem.IsMacOS() ? "libe_sqlite3.dylib"
            : "libe_sqlite3.so";
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : IsMusl() ? "linux-musl" : "linux";
        yield return Path.Combine(baseDir, "runtimes", $"{os}-{arch}", "native", file);
        yield return Path.Combine(baseDir, file);
    }

    private static bool IsMusl()
    {
        try
        {
            return File.Exists("/etc/alpine-release");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
