using System.Runtime.InteropServices;
using System.Text;

namespace Fastband.Core.Backup;

/// <summary>
/// The Linux lister behind <see cref="TreeWalk"/>: each folder is opened relative to the project's own
/// descriptor (O_NOFOLLOW, so a folder swapped for a link is not entered), read with readdir, and each entry is
/// stat-ed with statx relative to its folder, so the kernel resolves one name per file instead of a whole path.
/// Names reach the visitor decoded as the runtime decodes them. Only on x64 and arm64 with glibc (the open flags
/// differ by architecture and the dirent layout by C library); anything else uses the runtime's enumerator.
/// </summary>
internal static unsafe class NativeTreeWalk
{
    private static readonly Api? Lib = Api.TryLoad();

    public static bool Available => Lib is not null;

    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1, StatxMode = 0x2, StatxMtime = 0x40, StatxSizeField = 0x200;
    private const byte DtUnknown = 0, DtDir = 4, DtLink = 10;
    private const int ModeTypeMask = 0xF000, ModeDirectory = 0x4000, ModeLink = 0xA000;
    private const int EPerm = 1, ENoEnt = 2, EAccess = 13, ENotDir = 20, ELoop = 40;

    // struct dirent (glibc, 64-bit): d_ino u64, d_off i64, d_reclen u16, d_type u8, d_name[256].
    private const int DirentType = 18, DirentName = 19;

    // struct statx (the same on every architecture): stx_mode u16 at 28, stx_size u64 at 40, stx_mtime {i64 sec, u32 nsec} at 112.
    private const int StatxBuffer = 256, StatxModeAt = 28, StatxSizeAt = 40, StatxMtimeAt = 112;

    private sealed class Api
    {
        public delegate* unmanaged<int, IntPtr> FdOpenDir;
        public delegate* unmanaged<IntPtr, IntPtr> ReadDir;
        public delegate* unmanaged<IntPtr, int> CloseDir;
        public delegate* unmanaged<int, int> Close;
        public delegate* unmanaged<int, byte*, int, uint, byte*, int> Statx;
        public int FolderFlags; // O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC on this architecture

        public static Api? TryLoad()
        {
            if (!OperatingSystem.IsLinux()) return null;
            int directory, noFollow;
            switch (RuntimeInformation.ProcessArchitecture)
            {
                case Architecture.X64: directory = 0x10000; noFollow = 0x20000; break;
                case Architecture.Arm64: directory = 0x4000; noFollow = 0x8000; break;
                default: return null;
            }
            if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return null; // glibc; musl and others use the enumerator
            IntPtr Get(string name) => NativeLibrary.TryGetExport(libc, name, out var f) ? f : IntPtr.Zero;
            IntPtr openAt = Get("openat"), fdOpenDir = Get("fdopendir"), readDir = Get("readdir"), closeDir = Get("closedir"), close = Get("close"), statx = Get("statx");
            if (openAt == 0 || fdOpenDir == 0 || readDir == 0 || closeDir == 0 || close == 0 || statx == 0) return null; // statx needs glibc 2.28
            return new Api
            {
                FdOpenDir = (delegate* unmanaged<int, IntPtr>)fdOpenDir,
                ReadDir = (delegate* unmanaged<IntPtr, IntPtr>)readDir,
                CloseDir = (delegate* unmanaged<IntPtr, int>)closeDir,
                Close = (delegate* unmanaged<int, int>)close,
                Statx = (delegate* unmanaged<int, byte*, int, uint, byte*, int>)statx,
                FolderFlags = directory | noFollow | 0x80000 /* O_CLOEXEC */,
            };
        }
    }

    /// <summary>A folder to list: its project-relative path as the visitor sees it (with a trailing slash) and as bytes for openat.</summary>
    private readonly record struct Folder(string Prefix, byte[] Path);

    [ThreadStatic] private static char[]? _chars;

    public static bool Run(string rootFull, string startRel, ExcludeRules excludes, TreeWalk.FileVisitor visit)
    {
        var api = Lib ?? throw new PlatformNotSupportedException("The native tree walk needs glibc on Linux x64 or arm64.");
        int rootFd = OpenFolder(api, AtFdCwd, Encoding.UTF8.GetBytes(rootFull + "\0"));
        if (rootFd < 0) throw new IOException($"Cannot open the folder {rootFull} (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            var first = startRel.Length == 0 ? new Folder("", "."u8.ToArray().Append((byte)0).ToArray()) : new Folder(startRel + "/", Encoding.UTF8.GetBytes(startRel + "\0"));
            return TreeWalk.Drain(first, (worker, folder, enqueue) => List(api, rootFd, folder, excludes, visit, worker, enqueue));
        }
        finally
        {
            api.Close(rootFd);
        }
    }

    // Through a P/Invoke stub rather than a function pointer: the stub captures errno right after the call, which
    // decides between skipping a folder (unreadable, or gone) and failing. Called once per folder.
    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int openat(int dirfd, byte* path, int flags, int mode);

    private static int OpenFolder(Api api, int at, byte[] path)
    {
        fixed (byte* p = path) return openat(at, p, api.FolderFlags, 0);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool List(Api api, int rootFd, Folder folder, ExcludeRules excludes, TreeWalk.FileVisitor visit, int worker, Action<Folder> enqueue)
    {
        int fd = OpenFolder(api, rootFd, folder.Path);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            // Unreadable (the enumerator's IgnoreInaccessible), or gone or replaced since its parent was read.
            if (errno is EAccess or EPerm or ENoEnt or ENotDir or ELoop) return true;
            throw new IOException($"Cannot open the folder {folder.Prefix.TrimEnd('/')} (errno {errno}).");
        }
        IntPtr dir = api.FdOpenDir(fd);
        if (dir == 0)
        {
            api.Close(fd);
            throw new IOException($"Cannot list the folder {folder.Prefix.TrimEnd('/')}.");
        }
        try
        {
            string prefix = folder.Prefix;
            byte* stat = stackalloc byte[StatxBuffer];
            for (IntPtr entry = api.ReadDir(dir); entry != 0; entry = api.ReadDir(dir))
            {
                byte* name = (byte*)entry + DirentName;
                var nameBytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);
                if (nameBytes.SequenceEqual("."u8) || nameBytes.SequenceEqual(".."u8)) continue;
                int max = prefix.Length + nameBytes.Length; // UTF-8 never decodes to more chars than bytes
                var chars = _chars is { } c && c.Length >= max ? c : _chars = new char[Math.Max(max, 512)];
                prefix.CopyTo(0, chars, 0, prefix.Length);
                int length = prefix.Length + Encoding.UTF8.GetChars(nameBytes, chars.AsSpan(prefix.Length));
                var rel = new ReadOnlySpan<char>(chars, 0, length);
                if (excludes.IsExcluded(rel)) continue;

                byte type = *((byte*)entry + DirentType);
                bool known = type != DtUnknown;
                bool isFolder = type == DtDir, isLink = type == DtLink;
                if (isFolder)
                {
                    enqueue(new Folder(rel.ToString() + "/", Child(folder.Path, nameBytes)));
                    continue;
                }
                var facts = new FileFacts(-1, 0, isLink); // gone since the folder was read: matches nothing, and a read will say so
                if (api.Statx(fd, name, AtSymlinkNoFollow, StatxType | StatxMode | StatxSizeField | StatxMtime, stat) == 0)
                {
                    int mode = *(ushort*)(stat + StatxModeAt) & ModeTypeMask;
                    if (!known && mode == ModeDirectory)
                    {
                        enqueue(new Folder(rel.ToString() + "/", Child(folder.Path, nameBytes)));
                        continue;
                    }
                    long seconds = *(long*)(stat + StatxMtimeAt);
                    uint nanoseconds = *(uint*)(stat + StatxMtimeAt + 8);
                    facts = new FileFacts(*(long*)(stat + StatxSizeAt), DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + nanoseconds / 100, mode == ModeLink);
                }
                if (!visit(worker, rel, facts)) return false;
            }
            return true;
        }
        finally
        {
            api.CloseDir(dir); // closes fd too
        }
    }

    /// <summary>The child's path relative to the project, null-terminated, from its parent's.</summary>
    private static byte[] Child(byte[] parent, ReadOnlySpan<byte> name)
    {
        bool atRoot = parent.Length == 2 && parent[0] == (byte)'.';
        int parentLength = atRoot ? 0 : parent.Length - 1; // without the terminator
        var path = new byte[parentLength + (atRoot ? 0 : 1) + name.Length + 1];
        parent.AsSpan(0, parentLength).CopyTo(path);
        int at = parentLength;
        if (!atRoot) path[at++] = (byte)'/';
        name.CopyTo(path.AsSpan(at));
        return path;
    }
}
