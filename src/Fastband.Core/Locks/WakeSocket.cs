using System.Runtime.InteropServices;
using System.Text;

namespace Fastband.Core.Locks;

/// <summary>How a <see cref="WakeSocket.Wait"/> ended.</summary>
internal enum WakeReason
{
    /// <summary>The time ran out (or a signal interrupted the wait): nothing is known to have changed.</summary>
    TimedOut,

    /// <summary>A datagram arrived: a releaser (or the waiter's own cancellation) asked it to look again.</summary>
    Woken,

    /// <summary>One of the watched processes exited.</summary>
    ProcessExited,
}

/// <summary>
/// The Linux doorbell a queued lock waiter sleeps on: a Unix datagram socket bound to a name in the abstract
/// namespace (no file to clean up; the kernel drops the name when the socket closes or the process dies), which
/// anyone on the machine can ring with one byte, plus pidfds (<c>pidfd_open</c>) of processes whose exit also ends
/// the wait, all in one <c>poll(2)</c>. Only on Linux x64 and arm64 with glibc (the flag values below are theirs);
/// elsewhere <see cref="Supported"/> is false and the waiter polls. Every call is a plain blittable P/Invoke, so
/// it is safe under Native AOT and trimming.
/// </summary>
internal sealed unsafe partial class WakeSocket : IDisposable
{
    private const string Libc = "libc.so.6";
    private const int AfUnix = 1, SockDgram = 2, SockNonBlock = 0x800, SockCloExec = 0x80000;
    private const int MsgDontWait = 0x40, MsgNoSignal = 0x4000;
    private const short PollIn = 0x1;
    private const long SysPidfdOpen = 434; // the same number on x64 and arm64
    private const int ESrch = 3, EIntr = 4;
    private const int SunPathLength = 108;

    /// <summary>At most this many processes are watched at once (the rest are left to the fallback poll).</summary>
    public const int MaxWatched = 8;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int bind(int fd, byte* address, int length);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint sendto(int fd, byte* buffer, nuint length, int flags, byte* address, int addressLength);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    private static partial long syscall(long number, long first, long second);

    /// <summary>True where the doorbell works (Linux x64/arm64 with glibc's libc.so.6 loadable).</summary>
    public static bool Supported { get; } = Probe();

    // One unbound socket per process rings every doorbell (sendto on one socket from many threads is safe).
    private static readonly Lazy<int> Ringer = new(() => Supported ? socket(AfUnix, SockDgram | SockNonBlock | SockCloExec, 0) : -1);

    private readonly int _fd;
    private readonly byte[] _address;
    private int _closed;

    private WakeSocket(int fd, byte[] address)
    {
        _fd = fd;
        _address = address;
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return false;
        try
        {
            int fd = socket(AfUnix, SockDgram | SockNonBlock | SockCloExec, 0);
            if (fd < 0) return false;
            close(fd);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (musl names its libc differently): poll instead
        }
    }

    /// <summary>
    /// Binds a doorbell named <paramref name="name"/> (abstract namespace), or returns null: not supported here, the
    /// name too long, or bound already (another waiter holds it; the caller then polls).
    /// </summary>
    public static WakeSocket? TryBind(string name)
    {
        if (!Supported || Address(name) is not { } address) return null;
        int fd = socket(AfUnix, SockDgram | SockNonBlock | SockCloExec, 0);
        if (fd < 0) return null;
        fixed (byte* a = address)
        {
            if (bind(fd, a, address.Length) != 0)
            {
                close(fd);
                return null;
            }
        }
        return new WakeSocket(fd, address);
    }

    /// <summary>Rings the doorbell named <paramref name="name"/>. False when nobody is bound to it (or it is full): errors are the answer, never thrown.</summary>
    public static bool Ring(string name) => Supported && Address(name) is { } address && Ring(address);

    private static bool Ring(byte[] address)
    {
        int ringer = Ringer.Value;
        if (ringer < 0) return false;
        byte one = 1;
        fixed (byte* a = address) return sendto(ringer, &one, 1, MsgDontWait | MsgNoSignal, a, address.Length) == 1;
    }

    /// <summary>Rings this doorbell from inside the process (cancellation does, so that a wait ends at once).</summary>
    public void Poke()
    {
        if (Volatile.Read(ref _closed) == 0) Ring(_address);
    }

    /// <summary>
    /// Sleeps until the doorbell rings, one of <paramref name="processes"/> (pidfds from <see cref="OpenProcess"/>)
    /// exits, or <paramref name="timeout"/> passes. Rings that arrived before the call end it at once; all pending
    /// rings are taken, so one wait answers any number of them.
    /// </summary>
    /// <param name="timeout">The longest sleep.</param>
    /// <param name="processes">pidfds to watch (the first <see cref="MaxWatched"/>).</param>
    /// <param name="exited">The index in <paramref name="processes"/> of the process that exited, or -1.</param>
    public WakeReason Wait(TimeSpan timeout, ReadOnlySpan<int> processes, out int exited)
    {
        exited = -1;
        int count = 1 + Math.Min(processes.Length, MaxWatched);
        PollFd* fds = stackalloc PollFd[count];
        fds[0] = new PollFd { Fd = _fd, Events = PollIn };
        for (int i = 1; i < count; i++) fds[i] = new PollFd { Fd = processes[i - 1], Events = PollIn };
        // Rounded up: a wait of less than a millisecond must not become a busy spin.
        double ms = Math.Ceiling(Math.Max(0, timeout.TotalMilliseconds));
        int timeoutMs = ms >= int.MaxValue ? int.MaxValue : (int)ms;
        int ready = poll(fds, (nuint)count, timeoutMs);
        if (ready < 0 && Marshal.GetLastPInvokeError() != EIntr)
        {
            // Out of kernel memory, say: sleep a little, so that a failing poll(2) cannot spin; the fallback poll still comes.
            Thread.Sleep(Math.Min(timeoutMs, 10));
            return WakeReason.TimedOut;
        }
        if (ready <= 0) return WakeReason.TimedOut; // the time ran out, or a signal interrupted the wait
        if ((fds[0].Revents & PollIn) != 0)
        {
            Drain();
            return WakeReason.Woken;
        }
        for (int i = 1; i < count; i++)
        {
            if (fds[i].Revents == 0) continue;
            exited = i - 1;
            return WakeReason.ProcessExited;
        }
        return WakeReason.TimedOut;
    }

    private void Drain()
    {
        byte* buffer = stackalloc byte[16];
        while (recv(_fd, buffer, 16, MsgDontWait) >= 0) { }
    }

    /// <summary>
    /// A pidfd for <paramref name="pid"/>: readable once that process exits. -1 when the kernel has none (before
    /// Linux 5.3) or no such process runs (<paramref name="gone"/> is then true).
    /// </summary>
    public static int OpenProcess(int pid, out bool gone)
    {
        gone = false;
        if (!Supported || pid <= 0) return -1;
        long fd = syscall(SysPidfdOpen, pid, 0);
        if (fd >= 0) return (int)fd;
        gone = Marshal.GetLastPInvokeError() == ESrch;
        return -1;
    }

    /// <summary>Has the process of this pidfd exited? (Its pidfd is readable from then on.)</summary>
    public static bool HasExited(int pidfd)
    {
        var fd = new PollFd { Fd = pidfd, Events = PollIn };
        return poll(&fd, 1, 0) > 0;
    }

    /// <summary>Closes a pidfd from <see cref="OpenProcess"/>.</summary>
    public static void CloseProcess(int pidfd)
    {
        if (pidfd >= 0) close(pidfd);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0) close(_fd);
    }

    /// <summary>A sockaddr_un for an abstract name: the family, a NUL, then the name (no terminator), or null if it does not fit.</summary>
    private static byte[]? Address(string name)
    {
        int length = Encoding.UTF8.GetByteCount(name);
        if (length + 1 > SunPathLength) return null;
        var address = new byte[2 + 1 + length];
        address[0] = AfUnix; // sa_family_t, little-endian on x64 and arm64
        Encoding.UTF8.GetBytes(name, 0, name.Length, address, 3);
        return address;
    }
}

/// <summary>
/// The processes on this host a waiter watches while it sleeps (the holders of leases tied to a process, and the
/// waiters queued ahead of it), as pidfds it keeps open between waits. A process seen to exit is not watched again.
/// </summary>
internal sealed class ProcessWatch : IDisposable
{
    private readonly List<(int Pid, int Fd)> _open = new();
    private readonly HashSet<int> _exited = new();
    private int[] _fds = Array.Empty<int>();

    /// <summary>The pidfds to pass to <see cref="WakeSocket.Wait"/>.</summary>
    public ReadOnlySpan<int> Fds => _fds;

    /// <summary>Watches these processes (the first <see cref="WakeSocket.MaxWatched"/>) and no others; true when one is gone already.</summary>
    public bool Set(IReadOnlyList<int> pids)
    {
        bool gone = false;
        for (int i = _open.Count - 1; i >= 0; i--)
        {
            if (pids.Contains(_open[i].Pid)) continue;
            WakeSocket.CloseProcess(_open[i].Fd);
            _open.RemoveAt(i);
        }
        foreach (int pid in pids)
        {
            if (_open.Count >= WakeSocket.MaxWatched) break;
            if (_exited.Contains(pid) || _open.Exists(o => o.Pid == pid)) continue;
            int fd = WakeSocket.OpenProcess(pid, out bool missing);
            if (fd >= 0) _open.Add((pid, fd));
            else if (missing)
            {
                _exited.Add(pid);
                gone = true;
            }
        }
        _fds = _open.ConvertAll(o => o.Fd).ToArray();
        return gone;
    }

    /// <summary>The process at <paramref name="index"/> of <see cref="Fds"/> exited: stop watching it.</summary>
    public void Exited(int index)
    {
        var (pid, fd) = _open[index];
        WakeSocket.CloseProcess(fd);
        _open.RemoveAt(index);
        _exited.Add(pid);
        _fds = _open.ConvertAll(o => o.Fd).ToArray();
    }

    public void Dispose()
    {
        foreach (var (_, fd) in _open) WakeSocket.CloseProcess(fd);
        _open.Clear();
        _fds = Array.Empty<int>();
    }
}
