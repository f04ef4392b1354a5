using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fastband.Core.Backup.Database;

namespace Fastband.Core.Backup;

/// <summary>One file seen by a scan.</summary>
public sealed record ScannedFile(string Path, long Size, long MtimeTicks, string Sha256);

/// <summary>
/// What a backup would hold right now, and whether it differs from the last backup. Files are re-read
/// only when their size or mtime changed since the cached scan (kept in .fastband/backups/.state/);
/// the git HEAD and index, and the SQLite file, are part of the fingerprint.
/// </summary>
public sealed class ProjectScan
{
    public IReadOnlyList<ScannedFile> Code { get; init; } = Array.Empty<ScannedFile>();
    public IReadOnlyList<ScannedFile> Config { get; init; } = Array.Empty<ScannedFile>();
    public IReadOnlyList<ScannedFile> Data { get; init; } = Array.Empty<ScannedFile>();
    public string? GitHead { get; init; }
    public string GitFingerprint { get; init; } = "";

    /// <summary>Null when the database cannot be fingerprinted (unreachable, or MySQL without an LSN): it then counts as changed.</summary>
    public string? DatabaseFingerprint { get; init; }
    public string ContentHash { get; init; } = "";
    public int FilesHashed { get; init; }

    public IEnumerable<ScannedFile> AllFiles => Code.Concat(Config).Concat(Data);

    public static ProjectScan Run(string root, BackupConfig config, IReadOnlySet<string> components, ScanCache cache)
    {
        var excludes = new ExcludeRules(ExcludeRules.Defaults.Concat(config.ExcludePatterns).Append(config.DataDirectory));
        int hashed = 0;
        ScannedFile Stat(string rel, string full, long size, long mtime, bool link)
        {
            if (cache.Files.TryGetValue(rel, out var known) && known.Size == size && known.MtimeTicks == mtime)
                return known;
            hashed++;
            string sha;
            if (link) sha = "link:" + new FileInfo(full).LinkTarget;
            else
            {
                using var s = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
                sha = Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
            }
            return new ScannedFile(rel, size, mtime, sha);
        }

        var code = components.Contains(BackupComponent.Code) ? Walk(root, "", excludes, Stat) : new List<ScannedFile>();
        var configFiles = components.Contains(BackupComponent.Config)
            ? config.ConfigFiles.Select(f => f.Replace('\\', '/').Trim('/')).Distinct()
                .Select(f => (Rel: f, Info: new FileInfo(Path.Combine(root, f))))
                .Where(x => x.Info.Exists && TarArchives.IsInside(root, x.Info.FullName))
                .Select(x => Stat(x.Rel, x.Info.FullName, x.Info.Length, x.Info.LastWriteTimeUtc.Ticks, x.Info.LinkTarget is not null)).ToList()
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

        var (head, gitPrint) = components.Contains(BackupComponent.Git) ? GitFingerprintOf(root) : (null, "");
        string? dbPrint = components.Contains(BackupComponent.Database) ? DatabaseFingerprintOf(config.Database) : "excluded";
        var text = new StringBuilder();
        foreach (var (label, list) in new[] { ("code", code), ("config", configFiles), ("data", data) })
            foreach (var f in list.OrderBy(f => f.Path, StringComparer.Ordinal)) text.Append(label).Append(':').Append(f.Path).Append('\0').Append(f.Sha256).Append('\n');
        text.Append("git:").Append(gitPrint).Append("\ndb:").Append(dbPrint ?? Guid.NewGuid().ToString()).Append("\ncomponents:").Append(string.Join(',', components.OrderBy(c => c)));
        return new ProjectScan
        {
            Code = code, Config = configFiles, Data = data, GitHead = head, GitFingerprint = gitPrint, DatabaseFingerprint = dbPrint,
            ContentHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant(), FilesHashed = hashed,
        };
    }

    private static List<ScannedFile> Walk(string root, string start, ExcludeRules excludes, Func<string, string, long, long, bool, ScannedFile> stat)
    {
        // Size and mtime come from the enumeration itself (one stat per entry, no FileInfo per file);
        // a FileInfo is made only for a file the cache cannot vouch for.
        string rootFull = Path.GetFullPath(root);
        int prefix = rootFull.TrimEnd(Path.DirectorySeparatorChar).Length + 1;
        string startDir = start.Length == 0 ? rootFull : Path.Combine(rootFull, start);
        if (!Directory.Exists(startDir)) return new List<ScannedFile>();
        string Rel(ref System.IO.Enumeration.FileSystemEntry e)
        {
            string dir = e.Directory.Length >= prefix ? e.Directory[prefix..].ToString().Replace('\\', '/') + "/" : "";
            return dir + e.FileName.ToString();
        }
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true, ReturnSpecialDirectories = false };
        var entries = new System.IO.Enumeration.FileSystemEnumerable<(string Rel, long Size, long Mtime, bool Link)>(startDir,
            (ref System.IO.Enumeration.FileSystemEntry e) => (Rel(ref e), e.Length, e.LastWriteTimeUtc.UtcTicks, (e.Attributes & FileAttributes.ReparsePoint) != 0), options)
        {
            ShouldRecursePredicate = (ref System.IO.Enumeration.FileSystemEntry e) =>
                (e.Attributes & FileAttributes.ReparsePoint) == 0 && !excludes.IsExcluded(Rel(ref e)), // never follow a linked folder out
            ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry e) =>
                (!e.IsDirectory || (e.Attributes & FileAttributes.ReparsePoint) != 0) && !excludes.IsExcluded(Rel(ref e)),
        };
        var result = new List<ScannedFile>();
        foreach (var (rel, size, mtime, link) in entries)
            result.Add(stat(rel, Path.Combine(rootFull, rel), size, mtime, link));
        return result;
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

/// <summary>
/// The scan cache and the last backup's snapshot, in .fastband/backups/.state/scan.json. Written after a
/// scan (so the next one re-reads only what changed) and marked when a backup completes.
/// </summary>
public sealed class ScanCache
{
    public Dictionary<string, ScannedFile> Files { get; set; } = new(StringComparer.Ordinal);

    /// <summary>path -> sha256 as of the last completed backup.</summary>
    public Dictionary<string, string> LastBackupFiles { get; set; } = new(StringComparer.Ordinal);
    public string? LastBackupContentHash { get; set; }
    public string? LastBackupId { get; set; }
    public string? LastBackupGit { get; set; }
    public string? LastBackupDatabase { get; set; }

    /// <summary>True when the cache file must be rewritten after this scan (something was re-read, or the set changed).</summary>
    public bool IsStaleFor(ProjectScan scan) => scan.FilesHashed > 0 || Files.Count != scan.AllFiles.Count();

    private const string Header = "fastband-scan-cache 1";

    /// <summary>
    /// One line per file (tab-separated, escaped), after a header and one JSON line of what the last backup was:
    /// loading 20k entries this way costs a few milliseconds, where a JSON dictionary costs tens.
    /// </summary>
    public static ScanCache Load(string path)
    {
        if (!File.Exists(path)) return new ScanCache();
        try
        {
            using var reader = new StreamReader(path);
            if (reader.ReadLine() != Header) return new ScanCache();
            var cache = JsonSerializer.Deserialize<ScanCache>(reader.ReadLine() ?? "{}") ?? new ScanCache();
            cache.Files = new Dictionary<string, ScannedFile>(StringComparer.Ordinal);
            cache.LastBackupFiles = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.ReadLine() is { } line)
            {
                var f = line.Split('\t');
                if (f[0] == "F" && f.Length == 5)
                {
                    string rel = Unescape(f[1]);
                    cache.Files[rel] = new ScannedFile(rel, long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture), f[4]);
                }
                else if (f[0] == "B" && f.Length == 3) cache.LastBackupFiles[Unescape(f[1])] = f[2];
            }
            return cache;
        }
        catch (Exception e) when (e is JsonException or FormatException or IOException)
        {
            return new ScanCache(); // a damaged cache only costs a full re-read
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false), 1 << 16))
        {
            writer.Write(Header);
            writer.Write('\n');
            writer.Write(JsonSerializer.Serialize(new ScanCache
            {
                LastBackupContentHash = LastBackupContentHash, LastBackupId = LastBackupId, LastBackupGit = LastBackupGit, LastBackupDatabase = LastBackupDatabase,
                Files = new(), LastBackupFiles = new(),
            }));
            writer.Write('\n');
            foreach (var f in Files.Values)
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"F\t{Escape(f.Path)}\t{f.Size}\t{f.MtimeTicks}\t{f.Sha256}\n"));
            foreach (var (rel, sha) in LastBackupFiles)
                writer.Write($"B\t{Escape(rel)}\t{sha}\n");
        }
        File.Move(temp, path, overwrite: true);
    }

    private static string Escape(string s) => s.IndexOfAny(new[] { '\\', '\t', '\n', '\r' }) < 0 ? s
        : s.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

    private static string Unescape(string s) => s.IndexOf('\\') < 0 ? s
        : System.Text.RegularExpressions.Regex.Replace(s, @"\\(.)", m => m.Groups[1].Value switch { "t" => "\t", "n" => "\n", "r" => "\r", var x => x });

    public void Remember(ProjectScan scan)
    {
        Files = scan.AllFiles.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public void MarkBackedUp(ProjectScan scan, string backupId)
    {
        Remember(scan);
        LastBackupFiles = scan.AllFiles.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First().Sha256, StringComparer.Ordinal);
        LastBackupContentHash = scan.ContentHash;
        LastBackupId = backupId;
        LastBackupGit = scan.GitFingerprint;
        LastBackupDatabase = scan.DatabaseFingerprint;
    }

    public ChangeSummary Compare(ProjectScan scan)
    {
        var now = scan.AllFiles.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First().Sha256, StringComparer.Ordinal);
        return new ChangeSummary
        {
            Added = now.Keys.Count(k => !LastBackupFiles.ContainsKey(k)),
            Modified = now.Count(kv => LastBackupFiles.TryGetValue(kv.Key, out var old) && old != kv.Value),
            Deleted = LastBackupFiles.Keys.Count(k => !now.ContainsKey(k)),
            GitChanged = LastBackupId is null || LastBackupGit != scan.GitFingerprint,
            DatabaseChanged = LastBackupId is null || scan.DatabaseFingerprint is null || LastBackupDatabase != scan.DatabaseFingerprint,
        };
    }
}
