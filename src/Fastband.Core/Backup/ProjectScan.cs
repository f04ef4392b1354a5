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

    /// <summary>How a link's target is recorded in place of a content hash.</summary>
    internal const string LinkPrefix = "link:";

    // Set directly by a full scan; for a scan the cache vouched for, made from the cache only when asked for.
    private IReadOnlyList<ScannedFile>? _code, _config, _data;
    private ScanIndex? _fromCache;

    public IReadOnlyList<ScannedFile> Code { get => _code ??= Cached(ScanIndex.Code); init => _code = value; }
    public IReadOnlyList<ScannedFile> Config { get => _config ??= Cached(ScanIndex.Config); init => _config = value; }
    public IReadOnlyList<ScannedFile> Data { get => _data ??= Cached(ScanIndex.Data); init => _data = value; }
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

    /// <summary>True when every file matched the cache, so nothing was re-read and no file list was built.</summary>
    public bool FromCache => _fromCache is not null;

    public IEnumerable<ScannedFile> AllFiles => Code.Concat(Config).Concat(Data);

    private IReadOnlyList<ScannedFile> Cached(int component) => _fromCache?.List(component) ?? (IReadOnlyList<ScannedFile>)Array.Empty<ScannedFile>();

    public static ProjectScan Run(string root, BackupConfig config, IReadOnlySet<string> components, ScanCache cache)
    {
        var scope = new Scope(root, config, components);
        return FromCacheIfUnchanged(scope, cache) ?? Full(scope, cache);
    }

    /// <summary>What a scan covers: the components, the exclusions, and the SQLite database's own files (never plain files).</summary>
    private sealed class Scope
    {
        public Scope(string root, BackupConfig config, IReadOnlySet<string> components)
        {
            Root = root;
            Settings = config;
            Components = components;
            CodeExcludes = new ExcludeRules(ExcludeRules.Defaults.Concat(config.ExcludePatterns).Append(config.DataDirectory));
            DataExcludes = new ExcludeRules(config.ExcludePatterns);
            DataDirectory = components.Contains(BackupComponent.Data) && Directory.Exists(Path.Combine(root, config.DataDirectory)) ? config.DataDirectory : null;
            if (DataDirectory is not null) RefuseLinkOutside(root, DataDirectory, "data_dir");
            ConfigFiles = components.Contains(BackupComponent.Config)
                ? config.ConfigFiles.Select(f => f.Replace('\\', '/').Trim('/')).Distinct().ToList()
                : new List<string>();
            foreach (string file in ConfigFiles)
                if (Path.GetDirectoryName(file) is { Length: > 0 } folder && Directory.Exists(Path.Combine(root, folder)))
                    RefuseLinkOutside(root, folder, "config_files");
            if (config.Database.Type == DatabaseTarget.Sqlite && config.Database.Path is { } dbPath)
                DatabaseFile = Path.GetRelativePath(root, dbPath).Replace('\\', '/');
        }

        public string Root { get; }
        public BackupConfig Settings { get; }

        /// <summary>
        /// A configured folder (data_dir, a config file's folder) that is, or passes through, a link leading out of the
        /// project is refused rather than followed: the config only ever names paths inside, and a link can change after load.
        /// </summary>
        private static void RefuseLinkOutside(string root, string folder, string setting)
        {
            string realRoot = RealPath(root), real = RealPath(Path.Combine(root, folder));
            if (TarArchives.IsInside(realRoot, real) || real.TrimEnd(Path.DirectorySeparatorChar) == realRoot.TrimEnd(Path.DirectorySeparatorChar)) return;
            throw new InvalidInputException("BackupPathOutsideProject",
                $"{setting} '{folder}' in .fastband/{BackupConfig.FileName} leads through a link to {real}, outside the project; " +
                "replace the link with a real folder inside the project (or point the setting at one), and nothing was backed up.");
        }
        public IReadOnlySet<string> Components { get; }
        public ExcludeRules CodeExcludes { get; }
        public ExcludeRules DataExcludes { get; }
        public string? DataDirectory { get; }
        public List<string> ConfigFiles { get; }
        private string? DatabaseFile { get; }

        public bool Has(string component) => Components.Contains(component);

        /// <summary>The SQLite database and its sidecars (-wal, -shm, -journal): the database component copies them consistently.</summary>
        public bool IsDatabaseFile(ReadOnlySpan<char> rel) =>
            DatabaseFile is { } db && rel.StartsWith(db, StringComparison.Ordinal) && (rel.Length == db.Length || rel[db.Length] == '-');

        /// <summary>The config files that exist inside the project, with what a stat says of them.</summary>
        public IEnumerable<(string Rel, FileInfo Info)> ExistingConfigFiles() => ConfigFiles
            .Select(f => (Rel: f, Info: new FileInfo(Path.Combine(Root, f))))
            .Where(x => x.Info.Exists && TarArchives.IsInside(Root, x.Info.FullName));

        public string SignatureFor(int code, int config, int data) =>
            string.Join('|', Components.Order(StringComparer.Ordinal)) + "|" + SettingsPrint(Settings)
            + string.Create(CultureInfo.InvariantCulture, $"|code={code}|config={config}|data={data}");
    }

    /// <summary>The path with every link on the way resolved (as realpath(3) does), for folders that exist.</summary>
    internal static string RealPath(string path, int depth = 0)
    {
        if (depth > 40) throw new IOException($"Too many levels of links resolving {path}.");
        string full = Path.GetFullPath(path);
        string current = Path.GetPathRoot(full)!;
        foreach (string part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new DirectoryInfo(next);
            if (info.LinkTarget is { } target) next = RealPath(Path.GetFullPath(target, current), depth + 1);
            current = next;
        }
        return current;
    }

    /// <summary>
    /// The unchanged re-run: every file is stat-ed and compared with the cache by path span, size, mtime and kind,
    /// with no string or record per file. Null at the first difference (a file added, changed, gone, or racily
    /// clean), and the full scan decides.
    /// </summary>
    private static ProjectScan? FromCacheIfUnchanged(Scope scope, ScanCache cache)
    {
        var index = cache.Index;
        if (index.Entries.Length == 0 || cache.FilesHash is not { Length: > 0 } || cache.Signature is null) return null;
        var compare = new CacheComparison(scope, index, cache.WrittenAtTicks - RacyWindow.Ticks);
        TreeWalk.FileVisitor Visitor(int component) => (int worker, ReadOnlySpan<char> rel, in FileFacts f) => compare.Visit(component, worker, rel, f);
        try
        {
            if (scope.Has(BackupComponent.Code) && !TreeWalk.Run(scope.Root, "", scope.CodeExcludes, Visitor(ScanIndex.Code))) return null;
            if (scope.DataDirectory is { } dataDir && !TreeWalk.Run(scope.Root, dataDir, scope.DataExcludes, Visitor(ScanIndex.Data))) return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the full scan lists again, and says what is wrong if it still is
        }
        int configCount = 0;
        foreach (var (rel, info) in scope.ExistingConfigFiles())
        {
            if (!compare.Same(ScanIndex.Config, rel, new FileFacts(info.Length, info.LastWriteTimeUtc.Ticks, info.LinkTarget is not null))) return null;
            configCount++;
        }
        int code = compare.Total(ScanIndex.Code), data = compare.Total(ScanIndex.Data);
        string signature = scope.SignatureFor(code, configCount, data);
        if (signature != cache.Signature || code != index.Count(ScanIndex.Code) || configCount != index.Count(ScanIndex.Config) || data != index.Count(ScanIndex.Data))
            return null;
        return Fingerprinted(scope, cache.FilesHash, signature, hashed: 0, fromCache: index);
    }

    /// <summary>The per-file check of the cached comparison, compiled optimized from its first call (a CLI process never warms up).</summary>
    private sealed class CacheComparison(Scope scope, ScanIndex index, long racyFrom)
    {
        private const int Stride = 16; // counters of different workers on different cache lines
        private readonly int[] _counts = new int[TreeWalk.Workers * Stride];

        /// <summary>Same path (in the same component), size, mtime and kind as the cache says, and not racily clean.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public bool Same(int component, ReadOnlySpan<char> rel, in FileFacts f)
        {
            int i = index.Find(component, rel);
            if (i < 0) return false;
            ref readonly var e = ref index.Entries[i];
            return e.Size == f.Size && e.Mtime == f.MtimeTicks && f.MtimeTicks < racyFrom && ((e.Flags & ScanIndex.LinkFlag) != 0) == f.Link;
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public bool Visit(int component, int worker, ReadOnlySpan<char> rel, in FileFacts f)
        {
            if (scope.IsDatabaseFile(rel)) return true;
            if (!Same(component, rel, f)) return false;
            _counts[worker * Stride + component]++;
            return true;
        }

        public int Total(int component) => Enumerable.Range(0, TreeWalk.Workers).Sum(w => _counts[w * Stride + component]);
    }

    /// <summary>Every file listed; those the cache cannot vouch for are hashed.</summary>
    private static ProjectScan Full(Scope scope, ScanCache cache)
    {
        string root = scope.Root;
        int hashed = 0;
        long racyFrom = cache.WrittenAtTicks - RacyWindow.Ticks;
        // Null for a file deleted since its folder was listed: the backup is of the tree as it is now.
        ScannedFile? Stat(string rel, long size, long mtime, bool link)
        {
            if (cache.Files.TryGetValue(rel, out var known) && known.Size == size && known.MtimeTicks == mtime && mtime < racyFrom
                && known.Sha256.StartsWith(LinkPrefix, StringComparison.Ordinal) == link) // a file turned link (or back) is a change, as git sees it by mode
                return known;
            Interlocked.Increment(ref hashed);
            string full = Path.Combine(root, rel);
            string sha;
            try
            {
                if (link) sha = LinkPrefix + (new FileInfo(full).LinkTarget ?? throw new FileNotFoundException(null, full));
                else
                {
                    using var s = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
                    sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(s)).ToLowerInvariant();
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // A name that is not UTF-8 comes back from the listing with U+FFFD in it, and cannot be opened by that name.
                if (rel.Contains('\uFFFD'))
                    throw new InvalidInputException("UnreadableFileName",
                        $"'{rel}' cannot be backed up: its name is not valid UTF-8. Rename it, or exclude it with exclude_patterns in .fastband/backup_config.yaml.");
                return null;
            }
            return new ScannedFile(rel, size, mtime, sha);
        }
        List<ScannedFile> Walk(string start, ExcludeRules excludes)
        {
            _ = cache.Files; // built once, before the workers look things up in it
            var found = new List<ScannedFile>[TreeWalk.Workers];
            TreeWalk.Run(root, start, excludes, (int worker, ReadOnlySpan<char> rel, in FileFacts f) =>
            {
                if (!scope.IsDatabaseFile(rel) && Stat(rel.ToString(), f.Size, f.MtimeTicks, f.Link) is { } file)
                    (found[worker] ??= new List<ScannedFile>()).Add(file);
                return true;
            });
            var all = found.Where(f => f is not null).SelectMany(f => f).ToList();
            all.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            return all;
        }

        var code = scope.Has(BackupComponent.Code) ? Walk("", scope.CodeExcludes) : new List<ScannedFile>();
        var configFiles = scope.ExistingConfigFiles()
            .Select(x => Stat(x.Rel, x.Info.Length, x.Info.LastWriteTimeUtc.Ticks, x.Info.LinkTarget is not null))
            .OfType<ScannedFile>()
            .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var data = scope.DataDirectory is { } dataDir ? Walk(dataDir, scope.DataExcludes) : new List<ScannedFile>();

        string signature = scope.SignatureFor(code.Count, configFiles.Count, data.Count);
        // Nothing re-read and the same files per component as the cached scan: every file is one the cache
        // vouches for, so the files hash is the cache's, and 20k paths need not be hashed again to say so.
        string filesHash = hashed == 0 && signature == cache.Signature && cache.FilesHash is { Length: > 0 } known
            && code.Count + configFiles.Count + data.Count >= cache.Files.Count
            ? known
            : HashFiles(code, configFiles, data);
        return Fingerprinted(scope, filesHash, signature, hashed, fromCache: null, code, configFiles, data);
    }

    /// <summary>The scan's result with the git and database fingerprints, which are part of "changed" too.</summary>
    private static ProjectScan Fingerprinted(Scope scope, string filesHash, string signature, int hashed, ScanIndex? fromCache,
        List<ScannedFile>? code = null, List<ScannedFile>? config = null, List<ScannedFile>? data = null)
    {
        var (head, gitPrint) = scope.Has(BackupComponent.Git) ? GitFingerprintOf(scope.Root) : (null, "");
        string? dbPrint = scope.Has(BackupComponent.Database) ? DatabaseFingerprintOf(scope.Settings.Database) : "excluded";
        string components = string.Join(',', scope.Components.Order(StringComparer.Ordinal));
        string content = $"files:{filesHash}\ngit:{gitPrint}\ndb:{dbPrint ?? Guid.NewGuid().ToString()}\ncomponents:{components}";
        return new ProjectScan
        {
            _code = code, _config = config, _data = data, _fromCache = fromCache,
            GitHead = head, GitFingerprint = gitPrint, DatabaseFingerprint = dbPrint,
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

