using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fastband.Core.Backup;

/// <summary>
/// The scan cache and the last backup's snapshot, in .fastband/backups/.state/scan.json. Written after a
/// scan that re-read something (so the next one re-reads only what changed) and when a backup completes.
/// </summary>
public sealed class ScanCache
{
    public Dictionary<string, ScannedFile> Files { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The files hash and signature of the scan <see cref="Files"/> came from.</summary>
    public string? FilesHash { get; set; }
    public string? Signature { get; set; }

    public string? LastBackupContentHash { get; set; }
    public string? LastBackupId { get; set; }
    public string? LastBackupGit { get; set; }
    public string? LastBackupDatabase { get; set; }

    /// <summary>When the cache file was written (its mtime, from the same clock as the files'); 0 when new.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long WrittenAtTicks { get; private set; }

    // path -> sha256 as of the last completed backup, for the added/modified/deleted counts. Most of it is
    // usually what Files holds, so the file stores only the differences and the whole is built when asked for.
    private Dictionary<string, string>? _lastBackupFiles;
    private HashSet<string>? _backedUpAsCached;
    private Dictionary<string, string>? _backedUpOther;

    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, string> LastBackupFiles => _lastBackupFiles ??= BuildLastBackupFiles();

    private const string Header = "fastband-scan-cache 2";
    private const string OldHeader = "fastband-scan-cache 1";

    /// <summary>True when the cache file must be rewritten after this scan (something was re-read, or the set changed).</summary>
    public bool IsStaleFor(ProjectScan scan) => scan.FilesHashed > 0 || scan.Signature != Signature || scan.FilesHash != FilesHash;

    /// <summary>
    /// A header, one JSON line of what the last backup was, then one tab-separated line per file ("F", path, size,
    /// mtime, sha256, and 1 when the last backup holds that same content) and one per file the last backup held
    /// otherwise ("B", path, sha256). Read with spans: 20k entries in a few milliseconds.
    /// </summary>
    public static ScanCache Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return new ScanCache();
        try
        {
            string text = File.ReadAllText(path, Encoding.UTF8);
            var lines = new LineReader(text);
            string header = lines.Next().ToString();
            if (header != Header && header != OldHeader) return new ScanCache();
            var cache = JsonSerializer.Deserialize<ScanCache>(lines.Next()) ?? new ScanCache();
            cache.WrittenAtTicks = info.LastWriteTimeUtc.Ticks;
            cache.Files = new Dictionary<string, ScannedFile>(text.Length / 100, StringComparer.Ordinal); // a line is about 100 characters
            cache._backedUpAsCached = new HashSet<string>(StringComparer.Ordinal);
            cache._backedUpOther = new Dictionary<string, string>(StringComparer.Ordinal);
            while (lines.HasMore)
            {
                var line = lines.Next();
                if (line.Length < 2 || line[1] != '\t') continue;
                var fields = line[2..];
                string rel = Unescape(Field(ref fields));
                if (line[0] == 'F')
                {
                    long size = long.Parse(Field(ref fields), NumberStyles.None, CultureInfo.InvariantCulture);
                    long mtime = long.Parse(Field(ref fields), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                    string sha = Field(ref fields).ToString();
                    cache.Files[rel] = new ScannedFile(rel, size, mtime, sha);
                    if (header == Header ? fields.SequenceEqual("1") : false) cache._backedUpAsCached.Add(rel);
                }
                else if (line[0] == 'B') cache._backedUpOther[rel] = Field(ref fields).ToString();
            }
            return cache;
        }
        catch (Exception e) when (e is JsonException or FormatException or IOException or OverflowException or ArgumentException)
        {
            return new ScanCache(); // a damaged cache only costs a full re-read
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        var backedUp = LastBackupFiles;
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false), 1 << 16))
        {
            writer.Write(Header);
            writer.Write('\n');
            writer.Write(JsonSerializer.Serialize(new ScanCache
            {
                FilesHash = FilesHash, Signature = Signature,
                LastBackupContentHash = LastBackupContentHash, LastBackupId = LastBackupId, LastBackupGit = LastBackupGit, LastBackupDatabase = LastBackupDatabase,
                Files = new(),
            }));
            writer.Write('\n');
            foreach (var f in Files.Values)
            {
                bool same = backedUp.TryGetValue(f.Path, out var sha) && sha == f.Sha256;
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"F\t{Escape(f.Path)}\t{f.Size}\t{f.MtimeTicks}\t{f.Sha256}\t{(same ? 1 : 0)}\n"));
            }
            foreach (var (rel, sha) in backedUp)
                if (!(Files.TryGetValue(rel, out var f) && f.Sha256 == sha))
                    writer.Write($"B\t{Escape(rel)}\t{sha}\n");
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Remember(ProjectScan scan)
    {
        _ = LastBackupFiles; // built from the old Files before they are replaced
        Files = scan.AllFiles.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        FilesHash = scan.FilesHash;
        Signature = scan.Signature;
    }

    public void MarkBackedUp(ProjectScan scan, string backupId)
    {
        Remember(scan);
        _lastBackupFiles = scan.AllFiles.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First().Sha256, StringComparer.Ordinal);
        LastBackupContentHash = scan.ContentHash;
        LastBackupId = backupId;
        LastBackupGit = scan.GitFingerprint;
        LastBackupDatabase = scan.DatabaseFingerprint;
    }

    public ChangeSummary Compare(ProjectScan scan)
    {
        var now = scan.AllFiles.GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First().Sha256, StringComparer.Ordinal);
        var last = LastBackupFiles;
        return new ChangeSummary
        {
            Added = now.Keys.Count(k => !last.ContainsKey(k)),
            Modified = now.Count(kv => last.TryGetValue(kv.Key, out var old) && old != kv.Value),
            Deleted = last.Keys.Count(k => !now.ContainsKey(k)),
            GitChanged = LastBackupId is null || LastBackupGit != scan.GitFingerprint,
            DatabaseChanged = LastBackupId is null || scan.DatabaseFingerprint is null || LastBackupDatabase != scan.DatabaseFingerprint,
        };
    }

    private Dictionary<string, string> BuildLastBackupFiles()
    {
        var result = new Dictionary<string, string>(_backedUpOther ?? new(), StringComparer.Ordinal);
        if (_backedUpAsCached is not null)
            foreach (string rel in _backedUpAsCached)
                if (Files.TryGetValue(rel, out var f)) result[rel] = f.Sha256;
        return result;
    }

    private static ReadOnlySpan<char> Field(ref ReadOnlySpan<char> rest)
    {
        int tab = rest.IndexOf('\t');
        var field = tab < 0 ? rest : rest[..tab];
        rest = tab < 0 ? ReadOnlySpan<char>.Empty : rest[(tab + 1)..];
        return field;
    }

    private ref struct LineReader
    {
        private ReadOnlySpan<char> _rest;

        public LineReader(string text) => _rest = text;

        public readonly bool HasMore => !_rest.IsEmpty;

        public ReadOnlySpan<char> Next()
        {
            int nl = _rest.IndexOf('\n');
            var line = nl < 0 ? _rest : _rest[..nl];
            _rest = nl < 0 ? ReadOnlySpan<char>.Empty : _rest[(nl + 1)..];
            return line;
        }
    }

    private static string Escape(string s) => s.AsSpan().IndexOfAny('\\', '\t', '\n') < 0 && s.IndexOf('\r') < 0 ? s
        : s.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

    private static string Unescape(ReadOnlySpan<char> s)
    {
        if (s.IndexOf('\\') < 0) return s.ToString();
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 == s.Length) { sb.Append(s[i]); continue; }
            char c = s[++i];
            sb.Append(c switch { 't' => '\t', 'n' => '\n', 'r' => '\r', _ => c });
        }
        return sb.ToString();
    }
}
