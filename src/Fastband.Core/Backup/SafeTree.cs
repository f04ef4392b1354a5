using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Fastband.Core.Backup;

internal enum NodeKind { Missing, File, Directory, Link, Other }

internal readonly record struct NodeInfo(NodeKind Kind, UnixFileMode Mode, long Length);

/// <summary>A relative path that would pass through a link, or a file where a folder must be.</summary>
internal sealed class UnsafePathException : IOException
{
    public UnsafePathException(string relativePath, string why) : base($"'{relativePath}' {why}") => (RelativePath, Why) = (relativePath, why);

    public string RelativePath { get; }
    public string Why { get; }
}

/// <summary>
/// A folder tree read and written by relative path ('/'-separated) without ever following a link below its
/// root. On Linux every folder on the way is opened relative to its parent's descriptor with O_NOFOLLOW, and the
/// last name is created, opened, renamed or stat-ed relative to its folder's descriptor, so neither a chain of
/// links nor a folder swapped for a link mid-run can lead outside: the kernel refuses (ELOOP/ENOTDIR) instead of
/// following. Elsewhere each component is lstat-ed first and a link refused, which narrows but does not close the
/// swap race. The root itself is opened as given (the caller chose it).
/// </summary>
internal sealed class SafeTree : IDisposable
{
    private const int ENoEnt = 2, EExist = 17, ENotDir = 20, EIsDir = 21, ELoop = 40, EXDev = 18, ENotEmpty = 39;
    private static readonly bool Native = NativeCalls.Available;
    private readonly SafeFileHandle? _root;
    private readonly UnixFileMode _folderMode;

    private SafeTree(string root, SafeFileHandle? handle, UnixFileMode folderMode) => (Root, _root, _folderMode) = (root, handle, folderMode);

    public string Root { get; }

    /// <summary>Opens <paramref name="root"/>, which must be a folder; folders made below it get <paramref name="folderMode"/> (less the umask).</summary>
    public static SafeTree Open(string root, UnixFileMode folderMode)
    {
        root = Path.GetFullPath(root);
        if (!Native) return new SafeTree(root, null, folderMode);
        int fd = NativeCalls.openat(NativeCalls.AtFdCwd, root, NativeCalls.ORdOnly | NativeCalls.ODirectory | NativeCalls.OCloExec, 0);
        if (fd < 0) throw new IOException($"Cannot open the folder {root}: {NativeCalls.Error()}.");
        return new SafeTree(root, new SafeFileHandle(fd, ownsHandle: true), folderMode);
    }

    public void Dispose() => _root?.Dispose();

    public static IReadOnlyList<string> Segments(string rel)
    {
        var parts = rel.Split('/');
        foreach (string p in parts)
            if (p.Length == 0 || p is "." or ".." || p.Contains('\0') || (OperatingSystem.IsWindows() && (p.Contains('\\') || p.Contains(':'))))
                throw new UnsafePathException(rel, "is not a plain relative path");
        return parts;
    }

    // ------------------------------------------------------------------ operations

    public NodeInfo Stat(string rel)
    {
        var s = Segments(rel);
        if (!Native) return ManagedStat(rel, s);
        int folder = OpenFolder(rel, s, s.Count - 1, create: false);
        if (folder < 0) return new NodeInfo(NodeKind.Missing, 0, 0);
        try { return NativeCalls.Stat(folder, s[^1]) ?? new NodeInfo(NodeKind.Missing, 0, 0); }
        finally { _ = NativeCalls.close(folder); }
    }

    /// <summary>The target of the link at <paramref name="rel"/>, or null when nothing or no link is there.</summary>
    public string? ReadLink(string rel)
    {
        var s = Segments(rel);
        if (!Native)
        {
            string full = ManagedPath(rel, s, s.Count - 1, create: false);
            var info = new FileInfo(full);
            return info.Exists || Directory.Exists(full) ? info.LinkTarget : null;
        }
        int folder = OpenFolder(rel, s, s.Count - 1, create: false);
        if (folder < 0) return null;
        try { return NativeCalls.ReadLink(folder, s[^1]); }
        finally { _ = NativeCalls.close(folder); }
    }

    public FileStream OpenRead(string rel)
    {
        var s = Segments(rel);
        if (!Native)
        {
            string full = ManagedPath(rel, s, s.Count - 1, create: false);
            if (new FileInfo(full).LinkTarget is not null) throw new UnsafePathException(rel, "is a link");
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        int folder = OpenFolder(rel, s, s.Count - 1, create: false);
        if (folder < 0) throw new FileNotFoundException($"'{rel}' is not there.");
        try
        {
            int fd = NativeCalls.openat(folder, s[^1], NativeCalls.ORdOnly | NativeCalls.ONoFollow | NativeCalls.ONonBlock | NativeCalls.OCloExec, 0);
            if (fd < 0) throw Failure(rel, "open");
            return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1 << 16);
        }
        finally { _ = NativeCalls.close(folder); }
    }

    public void CreateDirectory(string rel)
    {
        var s = Segments(rel);
        if (!Native) { ManagedPath(rel, s, s.Count, create: true); return; }
        _ = NativeCalls.close(OpenFolder(rel, s, s.Count, create: true));
    }

    /// <summary>A new owner-only file; refused if anything (a file, a link) already has the name.</summary>
    public FileStream CreateFile(string rel)
    {
        var s = Segments(rel);
        if (!Native)
        {
            string full = ManagedPath(rel, s, s.Count - 1, create: true);
            if (File.Exists(full) || Directory.Exists(full)) throw new UnsafePathException(rel, "appears twice (a second copy could replace a link with its contents)");
            return TarArchives.CreateOwnerOnly(full);
        }
        int folder = OpenFolder(rel, s, s.Count - 1, create: true);
        try
        {
            int fd = NativeCalls.openat(folder, s[^1], NativeCalls.OWrOnly | NativeCalls.OCreat | NativeCalls.OExcl | NativeCalls.ONoFollow | NativeCalls.OCloExec, 0b110_000_000);
            if (fd < 0) throw Failure(rel, "create");
            return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1 << 16);
        }
        finally { _ = NativeCalls.close(folder); }
    }

    public void CreateLink(string rel, string target)
    {
        var s = Segments(rel);
        if (!Native)
        {
            string full = ManagedPath(rel, s, s.Count - 1, create: true);
            if (File.Exists(full) || Directory.Exists(full)) throw new UnsafePathException(rel, "appears twice (a second copy could replace a link with its contents)");
            File.CreateSymbolicLink(full, target);
            return;
        }
        int folder = OpenFolder(rel, s, s.Count - 1, create: true);
        try
        {
            if (NativeCalls.symlinkat(target, folder, s[^1]) < 0) throw Failure(rel, "create");
        }
        finally { _ = NativeCalls.close(folder); }
    }

    /// <summary>
    /// Puts <paramref name="rel"/> from <paramref name="source"/> (a file or a link) in place here, replacing a file
    /// or link of that name but never a folder, and never through a link. A file gets <paramref name="mode"/>.
    /// A rename when both trees share a file system, otherwise a copy to a temporary name beside it and a rename.
    /// The source's copy is consumed.
    /// </summary>
    public void Install(SafeTree source, string rel, NodeKind kind, UnixFileMode mode, string? linkTarget)
    {
        var s = Segments(rel);
        string temp = $".{s[^1]}.fastband-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
        if (temp.Length > 255) temp = $".fastband-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}";
        if (!Native)
        {
            string full = ManagedPath(rel, s, s.Count - 1, create: true);
            if (Directory.Exists(full) && new DirectoryInfo(full).LinkTarget is null) throw new UnsafePathException(rel, "is a folder here");
            string tempFull = Path.Combine(Path.GetDirectoryName(full)!, temp);
            if (kind == NodeKind.Link) File.CreateSymbolicLink(tempFull, linkTarget!);
            else
            {
                using (var input = source.OpenRead(rel))
                using (var output = TarArchives.CreateOwnerOnly(tempFull))
                    input.CopyTo(output);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tempFull, mode);
            }
            File.Move(tempFull, full, overwrite: true);
            return;
        }
        int folder = OpenFolder(rel, s, s.Count - 1, create: true);
        try
        {
            if (kind == NodeKind.Link)
            {
                if (NativeCalls.symlinkat(linkTarget!, folder, temp) < 0) throw Failure(rel, "create");
                Rename(folder, temp, folder, rel, s[^1]);
                return;
            }
            int from = source.OpenFolder(rel, s, s.Count - 1, create: false);
            if (from < 0) throw new FileNotFoundException($"'{rel}' is missing from the staging folder.");
            try
            {
                using (var staged = source.OpenRead(rel)) SetMode(staged.SafeFileHandle, mode);
                if (NativeCalls.renameat(from, s[^1], folder, s[^1]) == 0) return;
                int error = Marshal.GetLastPInvokeError();
                if (error != EXDev) throw Failure(rel, "rename", error);
                using (var input = source.OpenRead(rel))
                {
                    int fd = NativeCalls.openat(folder, temp, NativeCalls.OWrOnly | NativeCalls.OCreat | NativeCalls.OExcl | NativeCalls.ONoFollow | NativeCalls.OCloExec, 0b110_000_000);
                    if (fd < 0) throw Failure(rel, "create");
                    using var output = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1 << 16);
                    input.CopyTo(output);
                    SetMode(output.SafeFileHandle, mode);
                }
                Rename(folder, temp, folder, rel, s[^1]);
            }
            finally { _ = NativeCalls.close(from); }
        }
        finally { _ = NativeCalls.close(folder); }
    }

    private static void SetMode(SafeFileHandle handle, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(handle, mode);
    }

    private static void Rename(int fromFolder, string fromName, int toFolder, string rel, string toName)
    {
        if (NativeCalls.renameat(fromFolder, fromName, toFolder, toName) == 0) return;
        int error = Marshal.GetLastPInvokeError();
        _ = NativeCalls.unlinkat(fromFolder, fromName, 0);
        throw Failure(rel, "rename", error);
    }

    // ------------------------------------------------------------------ the walk

    /// <summary>A descriptor for the folder made of the first <paramref name="count"/> segments, or -1 when one is missing and not created.</summary>
    private int OpenFolder(string rel, IReadOnlyList<string> s, int count, bool create)
    {
        int folder = NativeCalls.openat(_root!.DangerousGetHandle().ToInt32(), ".", NativeCalls.ORdOnly | NativeCalls.ODirectory | NativeCalls.OCloExec, 0);
        if (folder < 0) throw new IOException($"Cannot open the folder {Root}: {NativeCalls.Error()}.");
        for (int i = 0; i < count; i++)
        {
            const int flags = NativeCalls.ORdOnly | NativeCalls.OCloExec;
            int next = NativeCalls.openat(folder, s[i], flags | NativeCalls.ODirectory | NativeCalls.ONoFollow, 0);
            int error = next < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (next < 0 && error == ENoEnt && create)
            {
                if (NativeCalls.mkdirat(folder, s[i], (int)_folderMode) < 0 && Marshal.GetLastPInvokeError() != EExist)
                {
                    error = Marshal.GetLastPInvokeError();
                    _ = NativeCalls.close(folder);
                    throw Failure(rel, "create a folder for", error);
                }
                next = NativeCalls.openat(folder, s[i], flags | NativeCalls.ODirectory | NativeCalls.ONoFollow, 0);
                error = next < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
            _ = NativeCalls.close(folder);
            if (next < 0)
            {
                if (error == ENoEnt && !create) return -1;
                throw Failure(rel, "reach", error);
            }
            folder = next;
        }
        return folder;
    }

    private static Exception Failure(string rel, string doing, int? error = null)
    {
        int e = error ?? Marshal.GetLastPInvokeError();
        return e switch
        {
            ELoop or ENotDir => new UnsafePathException(rel, "would pass through a link (or a file where a folder belongs)"),
            EExist => new UnsafePathException(rel, "appears twice (a second copy could replace a link with its contents)"),
            EIsDir or ENotEmpty => new UnsafePathException(rel, "is a folder here"),
            _ => new IOException($"Cannot {doing} '{rel}': {Marshal.GetPInvokeErrorMessage(e)}."),
        };
    }

    // ------------------------------------------------------------------ elsewhere: lstat each component

    /// <summary>The full path, every one of the first <paramref name="count"/> components checked to be a real folder (made when missing and asked to).</summary>
    private string ManagedPath(string rel, IReadOnlyList<string> s, int count, bool create)
    {
        string path = Root;
        for (int i = 0; i < s.Count; i++)
        {
            path = Path.Combine(path, s[i]);
            if (i >= count) continue;
            var info = new FileInfo(path);
            bool exists = info.Exists || Directory.Exists(path);
            if (exists && (info.LinkTarget is not null || info.Attributes.HasFlag(FileAttributes.ReparsePoint)))
                throw new UnsafePathException(rel, "would pass through a link");
            if (info.Exists) throw new UnsafePathException(rel, "would pass through a file where a folder belongs");
            if (!exists && create)
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
                else Directory.CreateDirectory(path, _folderMode);
            }
        }
        return path;
    }

    private NodeInfo ManagedStat(string rel, IReadOnlyList<string> s)
    {
        string path = Root;
        for (int i = 0; i < s.Count - 1; i++)
        {
            path = Path.Combine(path, s[i]);
            var d = new DirectoryInfo(path);
            if (!d.Exists) return File.Exists(path) ? throw new UnsafePathException(rel, "would pass through a file where a folder belongs") : new NodeInfo(NodeKind.Missing, 0, 0);
            if (d.LinkTarget is not null) throw new UnsafePathException(rel, "would pass through a link");
        }
        path = Path.Combine(path, s[^1]);
        var f = new FileInfo(path);
        if (f.Exists || Directory.Exists(path))
        {
            var mode = OperatingSystem.IsWindows() ? 0 : f.UnixFileMode;
            if (f.LinkTarget is not null) return new NodeInfo(NodeKind.Link, mode, 0);
            return f.Exists ? new NodeInfo(NodeKind.File, mode, f.Length) : new NodeInfo(NodeKind.Directory, mode, 0);
        }
        return new NodeInfo(NodeKind.Missing, 0, 0);
    }

    // ------------------------------------------------------------------ libc

    private static unsafe class NativeCalls
    {
        public const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        public const int ORdOnly = 0, OWrOnly = 1, OCreat = 0x40, OExcl = 0x80, ONonBlock = 0x800, OCloExec = 0x80000;
        public static readonly int ODirectory = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;
        public static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;
        private const uint StatxType = 0x1, StatxMode = 0x2, StatxSize = 0x200;

        // glibc on x64/arm64 (the open flags differ by architecture; statx needs glibc 2.28); anything else walks with lstat.
        public static readonly bool Available = OperatingSystem.IsLinux()
            && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
            && NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "statx", out _);

        [DllImport("libc.so.6", SetLastError = true)] public static extern int openat(int dirfd, string path, int flags, int mode);
        [DllImport("libc.so.6", SetLastError = true)] public static extern int mkdirat(int dirfd, string path, int mode);
        [DllImport("libc.so.6", SetLastError = true)] public static extern int symlinkat(string target, int dirfd, string path);
        [DllImport("libc.so.6", SetLastError = true)] public static extern int renameat(int olddirfd, string oldpath, int newdirfd, string newpath);
        [DllImport("libc.so.6", SetLastError = true)] public static extern int unlinkat(int dirfd, string path, int flags);
        [DllImport("libc.so.6", SetLastError = true)] public static extern int close(int fd);
        [DllImport("libc.so.6", SetLastError = true)] private static extern nint readlinkat(int dirfd, string path, byte* buffer, nint size);
        [DllImport("libc.so.6", SetLastError = true)] private static extern int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

        public static string Error() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

        public static NodeInfo? Stat(int folder, string name)
        {
            byte* buffer = stackalloc byte[256];
            if (statx(folder, name, AtSymlinkNoFollow, StatxType | StatxMode | StatxSize, buffer) < 0)
                return Marshal.GetLastPInvokeError() == ENoEnt ? null : throw new IOException($"Cannot stat '{name}': {Error()}.");
            int mode = *(ushort*)(buffer + 28);
            long size = *(long*)(buffer + 40);
            var kind = (mode & 0xF000) switch { 0x8000 => NodeKind.File, 0x4000 => NodeKind.Directory, 0xA000 => NodeKind.Link, _ => NodeKind.Other };
            return new NodeInfo(kind, (UnixFileMode)(mode & 0xFFF), size);
        }

        public static string? ReadLink(int folder, string name)
        {
            byte* buffer = stackalloc byte[4096];
            nint n = readlinkat(folder, name, buffer, 4096);
            return n < 0 ? null : Encoding.UTF8.GetString(buffer, (int)n);
        }
    }
}
