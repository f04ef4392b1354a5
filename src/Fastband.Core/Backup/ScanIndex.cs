using System.Runtime.InteropServices;

namespace Fastband.Core.Backup;

/// <summary>
/// A cached scan as flat arrays: one fixed-size record per file and component, every content hash as 32 raw
/// bytes, and every path (and a link's target) in one character block. It is read from disk with a copy, not parsed, and is looked up by a path held as a span,
/// so an unchanged re-run makes no string per file. Immutable once built.
/// </summary>
internal sealed class ScanIndex
{
    public const int Code = 0, Config = 1, Data = 2, Components = 3;
    public const byte BackedUpFlag = 1, LinkFlag = 2, TextHashFlag = 4; // TextHash: the "hash" is text (a link's target), not 32 bytes
    public const int HashBytes = 32;

    [StructLayout(LayoutKind.Sequential)]
    public struct Entry
    {
        public ulong Key;
        public long Size;
        public long Mtime;
        public int PathStart, PathLength, ShaStart, ShaLength;
        public byte Component, Flags;
    }

    /// <summary>A path the last backup held with other content than the cache's (or not at all in the cache).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Other
    {
        public int PathStart, PathLength, ShaStart, ShaLength;
    }

    public static readonly ScanIndex Empty = new(Array.Empty<Entry>(), Array.Empty<byte>(), Array.Empty<Other>(), Array.Empty<char>());

    public Entry[] Entries { get; }

    /// <summary>Entry i's SHA-256 at [i * 32, i * 32 + 32), unless its TextHash flag says the text block holds it.</summary>
    public byte[] Hashes { get; }
    public Other[] Others { get; }
    public char[] Text { get; }
    private readonly int[] _slots; // open addressing: entry index + 1, 0 when free
    private readonly int _mask;
    private readonly int[] _counts = new int[Components];

    public ScanIndex(Entry[] entries, byte[] hashes, Other[] others, char[] text)
    {
        Entries = entries;
        Hashes = hashes;
        Others = others;
        Text = text;
        int size = 4;
        while (size < entries.Length * 2) size <<= 1;
        _slots = new int[size];
        _mask = size - 1;
        for (int i = 0; i < entries.Length; i++)
        {
            _counts[entries[i].Component]++;
            int slot = (int)entries[i].Key & _mask;
            while (_slots[slot] != 0) slot = (slot + 1) & _mask;
            _slots[slot] = i + 1;
        }
    }

    public int Count(int component) => _counts[component];

    /// <summary>The entry of this component and path, or -1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int Find(int component, ReadOnlySpan<char> path)
    {
        ulong key = KeyOf(component, path);
        for (int slot = (int)key & _mask; _slots[slot] != 0; slot = (slot + 1) & _mask)
        {
            int i = _slots[slot] - 1;
            ref readonly var e = ref Entries[i];
            if (e.Key == key && e.Component == component && path.SequenceEqual(Text.AsSpan(e.PathStart, e.PathLength))) return i;
        }
        return -1;
    }

    /// <summary>FNV-1a over the path's characters, seeded by the component.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static ulong KeyOf(int component, ReadOnlySpan<char> path)
    {
        ulong h = 14695981039346656037UL ^ (ulong)component;
        foreach (char c in path) h = (h ^ c) * 1099511628211UL;
        return h ^ (h >> 29);
    }

    public string PathOf(in Entry e) => new(Text, e.PathStart, e.PathLength);

    public string HashOf(int i)
    {
        ref readonly var e = ref Entries[i];
        return (e.Flags & TextHashFlag) != 0
            ? new string(Text, e.ShaStart, e.ShaLength)
            : Convert.ToHexString(Hashes, i * HashBytes, HashBytes).ToLowerInvariant();
    }

    public ScannedFile FileAt(int i)
    {
        ref readonly var e = ref Entries[i];
        return new ScannedFile(PathOf(e), e.Size, e.Mtime, HashOf(i));
    }

    /// <summary>The files of one component, in the order they were stored (sorted by path).</summary>
    public List<ScannedFile> List(int component)
    {
        var list = new List<ScannedFile>(_counts[component]);
        for (int i = 0; i < Entries.Length; i++)
            if (Entries[i].Component == component) list.Add(FileAt(i));
        return list;
    }

    /// <summary>True when every record points inside the text block (a damaged file must not be trusted).</summary>
    public static bool Valid(Entry[] entries, byte[] hashes, Other[] others, int textLength)
    {
        bool Inside(int start, int length) => start >= 0 && length >= 0 && start <= textLength - length;
        if (hashes.Length != (long)entries.Length * HashBytes) return false;
        foreach (ref readonly var e in entries.AsSpan())
            if (e.Component >= Components || !Inside(e.PathStart, e.PathLength) || ((e.Flags & TextHashFlag) != 0 && !Inside(e.ShaStart, e.ShaLength)))
                return false;
        foreach (ref readonly var o in others.AsSpan())
            if (!Inside(o.PathStart, o.PathLength) || !Inside(o.ShaStart, o.ShaLength)) return false;
        return true;
    }

    /// <summary>Builds an index of these lists (code, config, data); the flags say which files the last backup holds as they are.</summary>
    public static ScanIndex Build(IReadOnlyList<IReadOnlyList<ScannedFile>> lists, IReadOnlyDictionary<string, string> lastBackup)
    {
        var text = new System.Text.StringBuilder();
        var entries = new List<Entry>();
        var hashes = new List<byte>();
        var matched = new HashSet<string>(StringComparer.Ordinal);
        Span<byte> raw = stackalloc byte[HashBytes];
        (int, int) Add(string s)
        {
            int start = text.Length;
            text.Append(s);
            return (start, s.Length);
        }
        for (int component = 0; component < lists.Count; component++)
            foreach (var f in lists[component])
            {
                bool backedUp = lastBackup.TryGetValue(f.Path, out var sha) && sha == f.Sha256;
                if (backedUp) matched.Add(f.Path);
                var (ps, pl) = Add(f.Path);
                bool link = f.Sha256.StartsWith(ProjectScan.LinkPrefix, StringComparison.Ordinal);
                // A hash that is not 64 lowercase hex digits (a link's target) is kept as text, so it reads back as written.
                bool asText = link || !TryParseHash(f.Sha256, raw);
                var (ss, sl) = asText ? Add(f.Sha256) : (0, 0);
                if (asText) raw.Clear();
                foreach (byte b in raw) hashes.Add(b);
                entries.Add(new Entry
                {
                    Key = KeyOf(component, f.Path), Size = f.Size, Mtime = f.MtimeTicks, PathStart = ps, PathLength = pl, ShaStart = ss, ShaLength = sl,
                    Component = (byte)component,
                    Flags = (byte)((backedUp ? BackedUpFlag : 0) | (link ? LinkFlag : 0) | (asText ? TextHashFlag : 0)),
                });
            }
        var others = new List<Other>();
        foreach (var (path, sha) in lastBackup)
        {
            if (matched.Contains(path)) continue;
            var (ps, pl) = Add(path);
            var (ss, sl) = Add(sha);
            others.Add(new Other { PathStart = ps, PathLength = pl, ShaStart = ss, ShaLength = sl });
        }
        var chars = new char[text.Length];
        text.CopyTo(0, chars, chars.Length);
        return new ScanIndex(entries.ToArray(), hashes.ToArray(), others.ToArray(), chars);
    }

    private static bool TryParseHash(string hex, Span<byte> into)
    {
        if (hex.Length != HashBytes * 2 || hex.AsSpan().IndexOfAnyExcept("0123456789abcdef") >= 0) return false;
        Convert.FromHexString(hex).CopyTo(into);
        return true;
    }
}
