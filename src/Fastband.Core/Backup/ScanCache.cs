using System.Globalization;
using System.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Fastband.Core.Backup;

/// <summary>
/// The scan cache and the last backup's snapshot, in .fastband/backups/.state/scan.cache. Written after a
/// scan that re-read something (so the next one re-reads only what changed) and when a backup completes.
/// The file is a short header (what the last backup was, as length-prefixed strings) and a <see cref="ScanIndex"/> stored as raw arrays: loading 20k entries
/// is a copy, and an unchanged re-run compares against it without making a string per file.
/// </summary>
public sealed class ScanCache
{
    /// <summary>The files hash and signature of the scan the cache holds.</summary>
    public string? FilesHash { get; set; }
    public string? Signature { get; set; }

    public string? LastBackupContentHash { get; set; }
    public string? LastBackupId { get; set; }
    public string? LastBackupGit { get; set; }
    public string? LastBackupDatabase { get; set; }

    /// <summary>When the cache file was written (its mtime, from the same clock as the files'); 0 when new.</summary>
    public long WrittenAtTicks { get; private set; }

    // The cached scan: as loaded (an index), or as a later scan left it (lists per component).
    private ScanIndex _index = ScanIndex.Empty;
    private IReadOnlyList<ScannedFile>[]? _lists;
    private Dictionary<string, ScannedFile>? _files;
    private Dictionary<string, string>? _lastBackupFiles;

    /// <summary>The cached files by path (a path in two components appears once).</summary>
    public IReadOnlyDictionary<string, ScannedFile> Files => _files ??= BuildFiles();

    /// <summary>path -> sha256 as of the last completed backup, for the added/modified/deleted counts.</summary>
    public IReadOnlyDictionary<string, string> LastBackupFiles => _lastBackupFiles ??= BuildLastBackupFiles();

    /// <summary>The loaded scan, for the string-free comparison; empty once a later scan replaced it.</summary>
    internal ScanIndex Index => _lists is null ? _index : ScanIndex.Empty;

    /// <summary>The cache file next to the legacy one it replaces (scan.json, read once when this one is missing).</summary>
    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, "scan.cache");

    private static ReadOnlySpan<byte> Magic => "fastband-scan-cache 3\n"u8;
    private const int ByteOrderMark = 0x01020304;
    private const string LegacyHeader = "fastband-scan-cache 2", OldestHeader = "fastband-scan-cache 1";

    /// <summary>True when the cache file must be rewritten after this scan (something was re-read, or the set changed).</summary>
    public bool IsStaleFor(ProjectScan scan) => scan.FilesHashed > 0 || scan.Signature != Signature || scan.FilesHash != FilesHash;

    /// <summary>Reads the cache; a missing, damaged or foreign file gives an empty cache (which only costs a full re-read).</summary>
    public static ScanCache Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            string legacy = Path.Combine(Path.GetDirectoryName(path)!, "scan.json");
            return File.Exists(legacy) ? LoadLegacy(legacy) : new ScanCache();
        }
        try
        {
            // Each section is read straight into its array: no copy of the whole file, no parsing.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            var reader = new Reader(stream);
            Span<byte> magic = stackalloc byte[Magic.Length];
            reader.Read(magic);
            if (!magic.SequenceEqual(Magic) || reader.Int() != ByteOrderMark) return new ScanCache();
            var cache = new ScanCache
            {
                FilesHash = reader.Text(), Signature = reader.Text(), LastBackupContentHash = reader.Text(), LastBackupId = reader.Text(),
                LastBackupGit = reader.Text(), LastBackupDatabase = reader.Text(),
            };
            var entries = reader.Array<ScanIndex.Entry>();
            var hashes = reader.Array<byte>();
            var others = reader.Array<ScanIndex.Other>();
            var text = reader.Array<char>();
            if (!reader.AtEnd || !ScanIndex.Valid(entries, hashes, others, text.Length)) return new ScanCache();
            cache._index = new ScanIndex(entries, hashes, others, text);
            cache.WrittenAtTicks = info.LastWriteTimeUtc.Ticks;
            return cache;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException)
        {
            return new ScanCache();
        }
    }

    /// <summary>Written to a temporary file, owner-only, and renamed over the old one.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var index = ScanIndex.Build(Lists(), LastBackupFiles);
        string temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Magic);
            WriteInt(stream, ByteOrderMark);
            foreach (string? text in new[] { FilesHash, Signature, LastBackupContentHash, LastBackupId, LastBackupGit, LastBackupDatabase })
                WriteText(stream, text);
            WriteArray<ScanIndex.Entry>(stream, index.Entries);
            WriteArray(stream, index.Hashes);
            WriteArray<ScanIndex.Other>(stream, index.Others);
            WriteArray<char>(stream, index.Text);
        }
        File.Move(temp, path, overwrite: true);
        string legacy = Path.Combine(Path.GetDirectoryName(path)!, "scan.json");
        if (File.Exists(legacy)) File.Delete(legacy);
    }

    public void Remember(ProjectScan scan)
    {
        _ = LastBackupFiles; // built from the old scan before it is replaced
        _lists = new[] { scan.Code, scan.Config, scan.Data };
        _files = null;
        FilesHash = scan.FilesHash;
        Signature = scan.Signature;
    }

    public void MarkBackedUp(ProjectScan scan, string backupId)
    {
        Remember(scan);
        var backedUp = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in scan.AllFiles) backedUp.TryAdd(f.Path, f.Sha256);
        _lastBackupFiles = backedUp;
        LastBackupContentHash = scan.ContentHash;
        LastBackupId = backupId;
        LastBackupGit = scan.GitFingerprint;
        LastBackupDatabase = scan.DatabaseFingerprint;
    }

    public ChangeSummary Compare(ProjectScan scan)
    {
        var now = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in scan.AllFiles) now.TryAdd(f.Path, f.Sha256);
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

    private IReadOnlyList<IReadOnlyList<ScannedFile>> Lists() =>
        _lists ?? Enumerable.Range(0, ScanIndex.Components).Select(c => (IReadOnlyList<ScannedFile>)_index.List(c)).ToArray();

    private Dictionary<string, ScannedFile> BuildFiles()
    {
        var files = new Dictionary<string, ScannedFile>(StringComparer.Ordinal);
        foreach (var list in Lists())
            foreach (var f in list) files.TryAdd(f.Path, f);
        return files;
    }

    private Dictionary<string, string> BuildLastBackupFiles()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = _index.Text;
        for (int i = 0; i < _index.Entries.Length; i++)
            if ((_index.Entries[i].Flags & ScanIndex.BackedUpFlag) != 0) result.TryAdd(_index.PathOf(_index.Entries[i]), _index.HashOf(i));
        foreach (ref readonly var o in _index.Others.AsSpan())
            result[new string(text, o.PathStart, o.PathLength)] = new string(text, o.ShaStart, o.ShaLength);
        return result;
    }

    private static void WriteInt(Stream stream, int value)
    {
        Span<byte> four = stackalloc byte[4];
        BitConverter.TryWriteBytes(four, value);
        stream.Write(four);
    }

    /// <summary>A string as its length (-1 for null) and its UTF-16 code units.</summary>
    private static void WriteText(Stream stream, string? text)
    {
        WriteInt(stream, text?.Length ?? -1);
        if (text is not null) stream.Write(MemoryMarshal.AsBytes(text.AsSpan()));
    }

    private static void WriteArray<T>(Stream stream, T[] items) where T : unmanaged
    {
        WriteInt(stream, items.Length);
        stream.Write(MemoryMarshal.AsBytes(items.AsSpan()));
    }

    /// <summary>Reads the file's sections in order; a length that runs past the end is a damaged file.</summary>
    private readonly struct Reader
    {
        private readonly FileStream _stream;

        public Reader(FileStream stream) => _stream = stream;

        public bool AtEnd => _stream.Position == _stream.Length;

        public void Read(Span<byte> into)
        {
            if (into.Length > _stream.Length - _stream.Position) throw new InvalidDataException("The scan cache is truncated.");
            _stream.ReadExactly(into);
        }

        public int Int()
        {
            Span<byte> four = stackalloc byte[4];
            Read(four);
            return BitConverter.ToInt32(four);
        }

        public string? Text()
        {
            int length = Int();
            return length < 0 ? null : new string(Array<char>(length));
        }

        public T[] Array<T>() where T : unmanaged => Array<T>(Int());

        private T[] Array<T>(int count) where T : unmanaged
        {
            if (count < 0 || (long)count * Unsafe.SizeOf<T>() > _stream.Length - _stream.Position) throw new InvalidDataException("The scan cache is truncated.");
            var items = GC.AllocateUninitializedArray<T>(count);
            Read(MemoryMarshal.AsBytes(items.AsSpan()));
            return items;
        }
    }

    // ------------------------------------------------------------------ the version 2 text file

    /// <summary>
    /// The text cache of earlier versions (scan.json): a header, one JSON line, then "F" lines (path, size, mtime,
    /// sha256, 1 when the last backup holds that content) and "B" lines (path, sha256 the last backup held otherwise).
    /// Read so that an upgrade does not lose the last backup's state; the next save replaces it.
    /// </summary>
    internal sealed record LegacyMeta(string? FilesHash, string? Signature, string? LastBackupContentHash, string? LastBackupId, string? LastBackupGit, string? LastBackupDatabase);

    private static ScanCache LoadLegacy(string path)
    {
        try
        {
            string text = File.ReadAllText(path, Encoding.UTF8);
            var lines = new LineReader(text);
            string header = lines.Next().ToString();
            if (header != LegacyHeader && header != OldestHeader) return new ScanCache();
            var meta = JsonSerializer.Deserialize(lines.Next(), PlainJsonContext.Default.LegacyMeta) ?? new LegacyMeta(null, null, null, null, null, null);
            var cache = new ScanCache
            {
                FilesHash = meta.FilesHash, Signature = meta.Signature, LastBackupContentHash = meta.LastBackupContentHash,
                LastBackupId = meta.LastBackupId, LastBackupGit = meta.LastBackupGit, LastBackupDatabase = meta.LastBackupDatabase,
            };
            var files = new List<ScannedFile>();
            var backedUp = new Dictionary<string, string>(StringComparer.Ordinal);
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
                    var file = new ScannedFile(rel, size, mtime, Field(ref fields).ToString());
                    files.Add(file);
                    if (header == LegacyHeader && fields.SequenceEqual("1")) backedUp[rel] = file.Sha256;
                }
                else if (line[0] == 'B') backedUp[rel] = Field(ref fields).ToString();
            }
            // Components were not recorded: the files serve as a lookup by path, and the next scan walks in full.
            cache._lists = new IReadOnlyList<ScannedFile>[] { files, Array.Empty<ScannedFile>(), Array.Empty<ScannedFile>() };
            cache._lastBackupFiles = backedUp;
            cache.WrittenAtTicks = File.GetLastWriteTimeUtc(path).Ticks;
            return cache;
        }
        catch (Exception e) when (e is JsonException or FormatException or IOException or OverflowException or ArgumentException)
        {
            return new ScanCache();
        }
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
