using System.Collections.Concurrent;
using System.IO.Enumeration;

namespace Fastband.Core.Backup;

/// <summary>What a scan needs to know of one file or link: its own size and mtime (a link is not followed).</summary>
internal readonly record struct FileFacts(long Size, long MtimeTicks, bool Link);

/// <summary>Which lister walks the tree: the runtime's enumerator, or (Linux) direct readdir/statx calls.</summary>
internal enum Walker { Auto, Managed, Native }

/// <summary>
/// Lists a project folder tree on every core. Folders go through a shared queue that one worker per core
/// drains, each listing one folder at a time, so the stat calls (most of a warm scan) run in parallel however
/// the tree is shaped. Each file is handed over with its project-relative path as a span in the worker's own
/// buffer: a caller that only compares needs no string per file. Linked folders are listed, never followed.
/// On Linux the folders are read with readdir and each entry stat-ed relative to its folder's descriptor
/// (<see cref="NativeTreeWalk"/>), which saves the kernel a path lookup per file; elsewhere, and where libc
/// lacks statx, the runtime's enumerator does the same walk. Both report the same facts (a test holds them to it).
/// </summary>
internal static class TreeWalk
{
    /// <summary>
    /// Called for every file or link that is not excluded (folders are descended into, not visited).
    /// <paramref name="worker"/> is the caller's slot for per-worker state, below <see cref="Workers"/>.
    /// Returning false stops the walk.
    /// </summary>
    internal delegate bool FileVisitor(int worker, ReadOnlySpan<char> relativePath, in FileFacts facts);

    /// <summary>
    /// Four per core, 4 to 16. A stat that waits on the disk holds no core, so more workers than cores keep more
    /// reads in flight after a reboot (git's preload-index runs up to 20 threads): on two cores, 8 workers took a
    /// cold scan of 20k files from about 180 ms to about 120 ms. Warm, the extra workers mostly wait, at no measurable cost.
    /// </summary>
    public static int Workers { get; } = Math.Clamp(Environment.ProcessorCount * 4, 4, 16);

    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = true, ReturnSpecialDirectories = false,
    };

    /// <summary>
    /// Walks <paramref name="start"/> (project-relative, "" for the root). False when a visitor stopped it.
    /// An error listing a folder is rethrown once every worker has stopped.
    /// </summary>
    public static bool Run(string root, string start, ExcludeRules excludes, FileVisitor visit, Walker walker = Walker.Auto)
    {
        string rootFull = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        string startRel = start.Replace('\\', '/').Trim('/');
        if (!Directory.Exists(startRel.Length == 0 ? rootFull : Path.Combine(rootFull, startRel))) return true;
        bool native = walker == Walker.Native || (walker == Walker.Auto && NativeTreeWalk.Available);
        return native
            ? NativeTreeWalk.Run(rootFull, startRel, excludes, visit)
            : Drain(startRel.Length == 0 ? "" : startRel + "/", (worker, prefix, enqueue) => ListManaged(rootFull, prefix, excludes, visit, worker, enqueue));
    }

    /// <summary>
    /// Runs <paramref name="list"/> on every queued folder, one worker per core, until none is left, a listing
    /// returns false (stop), or one throws (rethrown here after every worker stopped).
    /// </summary>
    internal static bool Drain<T>(T first, Func<int, T, Action<T>, bool> list)
    {
        var queue = new ConcurrentQueue<T>();
        queue.Enqueue(first);
        int pending = 1;
        bool stopped = false;
        Exception? failure = null;
        void Enqueue(T item)
        {
            Interlocked.Increment(ref pending);
            queue.Enqueue(item);
        }
        void Work(int worker)
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) > 0 && failure is null && !Volatile.Read(ref stopped))
            {
                if (!queue.TryDequeue(out var folder)) { spin.SpinOnce(); continue; }
                try
                {
                    if (!list(worker, folder, Enqueue)) Volatile.Write(ref stopped, true);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }
                finally
                {
                    Interlocked.Decrement(ref pending);
                }
                spin.Reset();
            }
        }
        var helpers = Enumerable.Range(1, Workers - 1).Select(w => Task.Factory.StartNew(() => Work(w), TaskCreationOptions.LongRunning)).ToArray();
        Work(0);
        Task.WaitAll(helpers);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return !stopped;
    }

    [ThreadStatic] private static char[]? _buffer;

    /// <summary>One folder through the runtime's enumerator; <paramref name="prefix"/> is its project-relative path with a trailing slash.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool ListManaged(string rootFull, string prefix, ExcludeRules excludes, FileVisitor visit, int worker, Action<string> enqueue)
    {
        bool go = true;
        string full = prefix.Length == 0 ? rootFull : Path.Combine(rootFull, prefix.TrimEnd('/'));
        // The transform sees each entry once: files are visited there, folders come back as their path.
        var folders = new FileSystemEnumerable<string?>(full, (ref FileSystemEntry e) =>
        {
            if (!go) return null;
            int length = prefix.Length + e.FileName.Length;
            var buffer = _buffer is { } b && b.Length >= length ? b : _buffer = new char[Math.Max(length, 512)];
            prefix.CopyTo(0, buffer, 0, prefix.Length);
            e.FileName.CopyTo(buffer.AsSpan(prefix.Length));
            var rel = new ReadOnlySpan<char>(buffer, 0, length);
            if (excludes.IsExcluded(rel)) return null;
            bool link = (e.Attributes & FileAttributes.ReparsePoint) != 0;
            if (e.IsDirectory && !link) return rel.ToString();
            go = visit(worker, rel, new FileFacts(e.Length, e.LastWriteTimeUtc.UtcTicks, link));
            return null;
        }, Options);
        foreach (string? folder in folders)
        {
            if (!go) return false;
            if (folder is not null) enqueue(folder + "/");
        }
        return go;
    }
}
