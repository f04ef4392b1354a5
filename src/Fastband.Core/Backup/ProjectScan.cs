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

    /// <summary>Null when the database cannot be fingerprinted cheaply (a server): it then counts as changed.</summary>
    public string? DatabaseFingerprint { get; init; }
    public string ContentHash { get; init; } = "";
    public int FilesHashed { get; init; }

    public IEnumerable<ScannedFile> AllFiles => Code.Concat(Config).Concat(Data);

    public static ProjectScan Run(string root, BackupConfig config, IReadOnlySet<string> components, ScanCache cache)
    {
        var excludes = new ExcludeRules(ExcludeRules.Defaults.Concat(config.ExcludePatterns).Append(config.DataDirectory));
        int hashed = 0;
        ScannedFile Stat(string rel, FileInfo info)
        {
            long mtime = info.LastWriteTimeUtc.Ticks;
            if (cache.Files.TryGetValue(rel, out var known) && known.Size == info.Length && known.MtimeTicks == mtime)
                return new ScannedFile(rel, info.Length, mtime, known.Sha256);
            hashed++;
            string sha;
            if (info.LinkTarget is { } link) sha = "link:" + link;
            else
            {
                using var s = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
                sha = Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
            }
            return new ScannedFile(rel, info.Length, mtime, sha);
        }

        var code = components.Contains(BackupComponent.Code) ? Walk(root, "", excludes, Stat) : new List<ScannedFile>();
        var configFiles = components.Contains(BackupComponent.Config)
            ? config.ConfigFiles.Select(f => f.Replace('\\', '/').Trim('/')).Distinct()
                .Select(f => (Rel: f, Info: new FileInfo(Path.Combine(root, f))))
                .Where(x => x.Info.Exists && TarArchives.IsInside(root, x.Info.FullName)).Select(x => Stat(x.Rel, x.Info)).ToList()
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

    private static List<ScannedFile> Walk(string root, string start, ExcludeRules excludes, Func<string, FileInfo, ScannedFile> stat)
    {
        var result = new List<ScannedFile>();
        var pending = new Stack<string>();
        pending.Push(start);
        while (pending.Count > 0)
        {
            string relDir = pending.Pop();
            var dir = new DirectoryInfo(relDir.Length == 0 ? root : Path.Combine(root, relDir));
            IEnumerable<FileSystemInfo> entries;
            try { entries = dir.EnumerateFileSystemInfos(); }
            catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException) { continue; }
            foreach (var entry in entries)
            {
                string rel = relDir.Length == 0 ? entry.Name : relDir + "/" + entry.Name;
                if (excludes.IsExcluded(rel)) continue;
                if (entry is DirectoryInfo d && d.LinkTarget is null) pending.Push(rel); // never follow a linked folder out
                else if (entry is FileInfo f) result.Add(stat(rel, f));
                else if (entry is DirectoryInfo linkedDir) result.Add(new ScannedFile(rel, 0, linkedDir.LastWriteTimeUtc.Ticks, "link:" + linkedDir.LinkTarget));
            }
        }
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
        if (db.Type != DatabaseTarget.Sqlite || db.Path is null) return null; // a server: no cheap fingerprint
        var print = new StringBuilder();
        foreach (string suffix in new[] { "", "-wal" })
        {
            var info = new FileInfo(db.Path + suffix);
            print.Append(suffix).Append(':').Append(info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "-").Append('|');
        }
        return print.ToString();
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

    public static ScanCache Load(string path)
    {
        if (!File.Exists(path)) return new ScanCache();
        try
        {
            return JsonSerializer.Deserialize<ScanCache>(File.ReadAllText(path)) ?? new ScanCache();
        }
        catch (JsonException)
        {
            return new ScanCache(); // a damaged cache only costs a full re-read
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this));
        File.Move(temp, path, overwrite: true);
    }

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
