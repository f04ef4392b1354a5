using System.Globalization;
using System.Text;
using System.Text.Json;
using Fastband.Core.Backup.Database;

namespace Fastband.Core.Backup;

/// <summary>One file seen by a scan.</summary>
public sealed record ScannedFile(string Path, long Size, long MtimeTicks, string Sha256);

/// <summary>
/// What a backup would hold right now, and whether it differs from the last backup. Files are re-read
/// only when their size or mtime changed since the cached scan (kept in .fastband/backups/.state/), or when
/// their mtime is so close to the cache's own that a later write in the same clock tick could hide (git's
/// "racily clean" rule); the git HEAD, refs and index, and the database, are part of the fingerprint.
/// </summary>
public sealed class ProjectScan
{
    /// <summary>
    /// File timestamps come from the kernel's coarse clock (a few milliseconds a tick): a file whose mtime is
    /// within this of the cache's writing is re-read rather than trusted.
    /// </summary>
    internal static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    public IReadOnlyList<ScannedFile> Code { get; init; } = Array.Empty<ScannedFile>();
    public IReadOnlyList<ScannedFile> Config { get; init; } = Array.Empty<ScannedFile>();
    public IReadOnlyList<ScannedFile> Data { get; init; } = Array.Empty<ScannedFile>();
    public string? GitHead { get; init; }
    public string GitFingerprint { get; init; } = "";

    /// <summary>Null when the database cannot be fingerprinted (unreachable, or MySQL without an LSN): it then counts as changed.</summary>
    public string? DatabaseFingerprint { get; init; }
    public string ContentHash { get; init; } = "";

    /// <summary>The hash of every file's path and content hash, with its component; part of <see cref="ContentHash"/>.</summary>
    public string FilesHash { get; init; } = "";

    /// <summary>What was scanned and how (components, settings, files per component): equal signatures compare like for like.</summary>
    public string Signature { get; init; } = "";
    public int FilesHashed { get; init; }

    public IEnumerable<ScannedFile> AllFiles => Code.Concat(Config).Concat(Data);

    public static ProjectScan Run(string root, BackupConfig config, IReadOnlySet<string> components, ScanCache cache)
    {
        var excludes = new ExcludeRules(ExcludeRules.Defaults.Concat(config.ExcludePatterns).Append(config.DataDirectory));
        int hashed = 0;
        long racyFrom = cache.WrittenAtTicks - RacyWindow.Ticks;
        ScannedFile Stat(string rel, long size, long mtime, bool link)
        {
            if (cache.Files.TryGetValue(rel, out var known) && known.Size == size && known.MtimeTicks == mtime && mtime < racyFrom)
                return known;
            Interlocked.Increment(ref hashed);
            string full = Path.Combine(root, rel);
            string sha;
            if (link) sha = "link:" + new FileInfo(full).LinkTarget;
            else
            {
                using var s = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
                sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(s)).ToLowerInvariant();
            }
            return new ScannedFile(rel, size, mtime, sha);
        }

        var code = components.Contains(BackupComponent.Code) ? Walk(root, "", excludes, Stat) : new List<ScannedFile>();
        var configFiles = components.Contains(BackupComponent.Config)
            ? config.ConfigFiles.Select(f => f.Replace('\\', '/').Trim('/')).Distinct()
                .Select(f => (Rel: f, Info: new FileInfo(Path.Combine(root, f))))
                .Where(x => x.Info.Exists && TarArchives.IsInside(root, x.Info.FullName))
                .Select(x => Stat(x.Rel, x.Info.Length, x.Info.LastWriteTimeUtc.Ticks, x.Info.LinkTarget is not null))
                .OrderBy(f => f.Path, StringComparer.Ordinal).ToList()
            : new List<ScannedFile>();
        var userExcludes = new ExcludeRules(config.ExcludePatterns);
        var data = components.Contains(BackupComponent.Data) && Directory.Exists(Path.Combine(root, config.DataDirectory))
            ? Walk(root, config.DataDirectory, userExcludes, Stat) : new List<ScannedFile>();
        // The SQLite database is its own component (copied consistently), never a plain file of data/.
        if (config.Database.Type == DatabaseTarget.Sqlite && config.Database.Path is { } dbPath)
        {
            string dbRel = Path.GetRelativePath(root, dbPath).Replace('\\', '/');
            data.RemoveAll(f => f.Path == dbRel || f.Path == dbRel + "-wal" || f.Path == dbRel + "-shm" || f.Path == dbRel + "-journal");
            code.RemoveAll(f => f.Path == dbRel || f.Path.StartsWith(dbRel + "-", StringComparison.Ordinal));
        }

        string signature = string.Join('|', components.Order(StringComparer.Ordinal)) + "|" + SettingsPrint(config)
            + string.Create(CultureInfo.InvariantCulture, $"|code={code.Count}|config={configFiles.Count}|data={data.Count}");
        // Nothing re-read and the same files per component as the cached scan: every file is one the cache
        // vouches for, so the files hash is the cache's, and 20k paths need not be hashed again to say so.
        string filesHash = hashed == 0 && signature == cache.Signature && cache.FilesHash is { Length: > 0 } known
            && code.Count + configFiles.Count + data.Count >= cache.Files.Count
            ? known
            : HashFiles(code, configFiles, data);

        var (head, gitPrint) = components.Contains(BackupComponent.Git) ? GitFingerprintOf(root) : (null, "");
        string? dbPrint = components.Contains(BackupComponent.Database) ? DatabaseFingerprintOf(config.Database) : "excluded";
        string content = $"files:{filesHash}\ngit:{gitPrint}\ndb:{dbPrint ?? Guid.NewGuid().ToString()}\ncomponents:{string.Join(',', components.Order(StringComparer.Ordinal))}";
        return new ProjectScan
        {
            Code = code, Config = configFiles, Data = data, GitHead = head, GitFingerprint = gitPrint, DatabaseFingerprint = dbPrint,
            FilesHash = filesHash, Signature = signature, FilesHashed = hashed,
            ContentHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant(),
        };
    }

    private static string SettingsPrint(BackupConfig config) =>
        $"{string.Join(',', config.ExcludePatterns)}|{string.Join(',', config.ConfigFiles)}|{config.DataDirectory}|{config.Database.Type}:{config.Database.Path}";

    private static string HashFiles(params List<ScannedFile>[] lists)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var labels = new[] { "code", "config", "data" };
        var buffer = new ArrayBufferWriter();
        for (int i = 0; i < lists.Length; i++)
            foreach (var f in lists[i]) // each list is sorted by path
                buffer.Append(hash, $"{labels[i]}:{f.Path}\0{f.Sha256}\n");
        buffer.Flush(hash);
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>Feeds UTF-8 text into a hash in 64 KiB blocks, without building one large string.</summary>
    private sealed class ArrayBufferWriter
    {
        private readonly byte[] _block = new byte[1 << 16];
        private int _used;

        public void Append(System.Security.Cryptography.IncrementalHash hash, string text)
        {
            int max = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (_used + max > _block.Length) Flush(hash);
            if (max > _block.Length) { hash.AppendData(Encoding.UTF8.GetBytes(text)); return; }
            _used += Encoding.UTF8.GetBytes(text, 0, text.Length, _block, _used);
        }

        public void Flush(System.Security.Cryptography.IncrementalHash hash)
        {
            hash.AppendData(_block, 0, _used);
            _used = 0;
        }
    }

    /// <summary>
    /// The files under <paramref name="start"/> (project-relative), sorted by path. Folders go through a shared
    /// queue that one worker per core drains, each listing one folder at a time: the stat calls, which are
    /// most of a warm scan, run in parallel however the tree is shaped. Linked folders are listed, never followed.
    /// </summary>
    private static List<ScannedFile> Walk(string root, string start, ExcludeRules excludes, Func<string, long, long, bool, ScannedFile> stat)
    {
        string rootFull = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        string startDir = start.Length == 0 ? rootFull : Path.Combine(rootFull, start);
        if (!Directory.Exists(startDir)) return new List<ScannedFile>();
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = true, ReturnSpecialDirectories = false };
        var queue = new System.Collections.Concurrent.ConcurrentQueue<(string Full, string Rel)>();
        queue.Enqueue((startDir, start.Length == 0 ? "" : start.Replace('\\', '/').Trim('/') + "/"));
        int pending = 1;
        var results = new List<ScannedFile>[Math.Clamp(Environment.ProcessorCount, 1, 4)];
        Exception? failure = null;
        void Work(int slot)
        {
            var found = results[slot] = new List<ScannedFile>();
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) > 0 && failure is null)
            {
                if (!queue.TryDequeue(out var dir)) { spin.SpinOnce(); continue; }
                try
                {
                    string prefix = dir.Rel;
                    var entries = new System.IO.Enumeration.FileSystemEnumerable<(string Rel, bool Folder, long Size, long Mtime, bool Link)>(dir.Full,
                        (ref System.IO.Enumeration.FileSystemEntry e) =>
                        {
                            bool link = (e.Attributes & FileAttributes.ReparsePoint) != 0;
                            bool folder = e.IsDirectory && !link;
                            string rel = string.Concat(prefix.AsSpan(), e.FileName);
                            return folder ? (rel, true, 0, 0, false) : (rel, false, e.Length, e.LastWriteTimeUtc.UtcTicks, link);
                        }, options);
                    foreach (var (rel, folder, size, mtime, link) in entries)
                    {
                        if (excludes.IsExcluded(rel)) continue;
                        if (folder)
                        {
                            Interlocked.Increment(ref pending);
                            queue.Enqueue((Path.Combine(rootFull, rel), rel + "/"));
                        }
                        else found.Add(stat(rel, size, mtime, link));
                    }
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
        var helpers = Enumerable.Range(1, results.Length - 1).Select(slot => Task.Factory.StartNew(() => Work(slot), TaskCreationOptions.LongRunning)).ToArray();
        Work(0);
        Task.WaitAll(helpers);
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        var all = new List<ScannedFile>(results.Sum(r => r.Count));
        foreach (var r in results) all.AddRange(r);
        all.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return all;
    }

    /// <summary>HEAD's commit (read from .git without running git) and a fingerprint of refs and index.</summary>
    private static (string? Head, string Print) GitFingerprintOf(string root)
    {
        string git = Path.Combine(root, ".git");
        if (!Directory.Exists(git)) return (null, "no-git");
        string headText = File.Exists(Path.Combine(git, "HEAD")) ? File.ReadAllText(Path.Combine(git, "HEAD")).Trim() : "";
        string? head = headText;
        if (headText.StartsWith("ref: ", StringComparison.Ordinal))
        {
            string refName = headText[5..];
            string refFile = Path.Combine(git, refName.Replace('/', Path.DirectorySeparatorChar));
            head = File.Exists(refFile) ? File.ReadAllText(refFile).Trim()
                : File.Exists(Path.Combine(git, "packed-refs"))
                    ? File.ReadLines(Path.Combine(git, "packed-refs")).Select(l => l.Split(' ')).FirstOrDefault(p => p.Length == 2 && p[1] == refName)?[0]
                    : null;
        }
        var print = new StringBuilder(headText).Append('|').Append(head);
        foreach (string name in new[] { "index", "packed-refs", "FETCH_HEAD" })
        {
            var info = new FileInfo(Path.Combine(git, name));
            if (info.Exists) print.Append('|').Append(name).Append(':').Append(info.Length).Append(':').Append(info.LastWriteTimeUtc.Ticks);
        }
        string refs = Path.Combine(git, "refs");
        if (Directory.Exists(refs))
            foreach (var f in Directory.EnumerateFiles(refs, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                print.Append('|').Append(Path.GetRelativePath(git, f)).Append(':').Append(File.ReadAllText(f).Trim());
        return (head, print.ToString());
    }

    private static string? DatabaseFingerprintOf(DatabaseTarget db)
    {
        if (db.IsNone) return "none";
        try
        {
            return DatabaseBackups.For(db.Type).Fingerprint(db, CancellationToken.None);
        }
        catch (FastbandException)
        {
            return null; // cannot tell: counts as changed
        }
    }
}

