
namespace Fastband.Core.Tests.Events;

/// <summary>
/// Makes a file or folder really unwritable and back. As root (these tests' usual case) permissions do not stop
/// writes, so the immutable attribute does (chattr +i: not even root may write, rename or delete); as another
/// user, taking the write permission away does.
/// </summary>
internal sealed class Unwritable : IDisposable
{
    private readonly string _path;
    private readonly UnixFileMode _mode;

    public static bool IsRoot => Environment.UserName == "root";

    public Unwritable(string path)
    {
        _path = path;
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("these tests make files unwritable the Unix way");
        _mode = File.GetUnixFileMode(path);
        if (IsRoot) Run("chattr", "+i", path);
        else File.SetUnixFileMode(path, _mode & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
    }

    public void Dispose()
    {
        if (IsRoot) Run("chattr", "-i", _path);
        else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_path, _mode);
    }

    public static void Run(string tool, params string[] args)
    {
        var r = ChildProcess.Run(tool, args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stderr}");
    }
}

/// <summary>A small tmpfs mounted on a folder (root only), to fill a disk for real.</summary>
internal sealed class SmallDisk : IDisposable
{
    public SmallDisk(string mountPoint, int kilobytes)
    {
        MountPoint = mountPoint;
        Directory.CreateDirectory(mountPoint);
        Unwritable.Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", mountPoint);
    }

    public string MountPoint { get; }

    /// <summary>Fills the disk up to the last byte with a filler file, which <see cref="Free"/> removes.</summary>
    public void Fill()
    {
        using var f = new FileStream(Path.Combine(MountPoint, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true) f.Write(block);
        }
        catch (IOException) { /* full */ }
    }

    public void Free() => File.Delete(Path.Combine(MountPoint, "filler"));

    public void Dispose()
    {
        try { Unwritable.Run("umount", "-l", MountPoint); } catch (InvalidOperationException) { }
    }
}
