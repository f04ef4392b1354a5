namespace Fastband.Core;

/// <summary>
/// .fastband/ holds the store (messages, locks, the ops log), backups and queued events: only its owner may read
/// it, whatever the umask. The modes are set when Fastband creates the folder and the store file, before any data
/// is written; an older project with looser modes is left as it is (the team may share it on purpose) and
/// <c>fastband health</c> warns with the chmod that tightens it.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="folder"/> as 0700 if it is missing (its parents as usual); an existing folder keeps its mode.</summary>
    public static void EnsureFolder(string folder)
    {
        if (Directory.Exists(folder)) return;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        if (Path.GetDirectoryName(Path.GetFullPath(folder)) is { } parent) Directory.CreateDirectory(parent);
        Directory.CreateDirectory(folder, Folder);
        System.IO.File.SetUnixFileMode(folder, Folder); // a umask such as 0277 takes bits away that the owner needs
    }

    /// <summary>
    /// Creates an empty file as 0600 if it is missing, so that a program that then opens it (SQLite) writes into a
    /// file nobody else could ever read; SQLite gives its -wal and -shm files the mode of the database file.
    /// </summary>
    public static void EnsureFile(string path)
    {
        if (OperatingSystem.IsWindows() || System.IO.File.Exists(path)) return;
        try
        {
            using (new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = File })) { }
            System.IO.File.SetUnixFileMode(path, File);
        }
        catch (IOException) when (System.IO.File.Exists(path))
        {
            // another process created it first, the same way
        }
    }

    /// <summary>The paths under <paramref name="stateDirectory"/> that others can read or enter, with their modes (Unix only).</summary>
    public static IReadOnlyList<(string Path, UnixFileMode Mode)> Loose(string stateDirectory, IEnumerable<string> files)
    {
        var loose = new List<(string, UnixFileMode)>();
        if (OperatingSystem.IsWindows()) return loose;
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        foreach (string path in files.Prepend(stateDirectory))
        {
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path)) continue;
            var mode = System.IO.File.GetUnixFileMode(path);
            if ((mode & others) != 0) loose.Add((path, mode));
        }
        return loose;
    }

    /// <summary>A mode as chmod writes it, e.g. 0644.</summary>
    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
