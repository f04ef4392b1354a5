using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Fastband.Core.Backup;

/// <summary>
/// The backup archives: ordinary PAX tar inside gzip, which GNU tar extracts. Written owner-only from the moment
/// the file exists, hashed while written. Extraction goes into an empty staging folder and refuses, before
/// writing anything, every entry that could land outside it.
/// </summary>
public static class TarArchives
{
    public static readonly UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public static readonly UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a file that only its owner can read, from its first byte.</summary>
    public static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        return new FileStream(path, options);
    }

    public static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnlyDirectory);
    }

    /// <summary>Writes the files (project-relative, forward slashes) under <paramref name="root"/> into a tar.gz; returns its sha256.</summary>
    public static string Write(string archivePath, string root, IReadOnlyList<string> files, CompressionLevel level, string? prefix = null)
    {
        using var file = CreateOwnerOnly(archivePath);
        using var hashing = new HashingStream(file);
        using (var gzip = new GZipStream(hashing, level, leaveOpen: true))
        {
            bool wroteAny = false;
            var links = LinksOf(root, files, prefix);
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (string rel in files)
                {
                    string full = Path.Combine(root, rel.Replace('/', Path.DirectorySeparatorChar));
                    string name = prefix is null ? rel : prefix + "/" + rel;
                    try
                    {
                        RefuseUnrepresentable(rel, full);
                        // The restore refuses an archive with a link that leads outside its destination (resolved
                        // through the archive's other links, as here): say so now, not when the backup is needed.
                        if (links.TryGetValue(name, out var target) && ResolveLink(name, target, links.GetValueOrDefault) is null)
                            throw new InvalidInputException("LinkOutsideProject",
                                $"'{rel}' cannot be backed up: it is a link to '{target}', which leads outside the project, and a restore refuses such links; exclude it with exclude_patterns in .fastband/backup_config.yaml, or make it point inside the project.");
                        tar.WriteEntry(full, name); // with the file's mode (the executable bit too), owner ids and mtime
                        wroteAny = true;
                    }
                    catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                    {
                        // deleted between the scan and the archive: the next run sees it as deleted
                    }
                }
            }
            // TarWriter writes the end-of-archive blocks only after an entry; an empty archive still needs them
            // (two zero blocks), or readers (ours and GNU tar) see a truncated stream.
            if (!wroteAny) gzip.Write(new byte[2 * 512]);
        }
        return hashing.HashHex();
    }

    /// <summary>The symbolic links among <paramref name="files"/>, by entry name, with their targets as written.</summary>
    private static Dictionary<string, string> LinksOf(string root, IReadOnlyList<string> files, string? prefix)
    {
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string rel in files)
        {
            string full = Path.Combine(root, rel.Replace('/', Path.DirectorySeparatorChar));
            try
            {
                if (new FileInfo(full).LinkTarget is { } target) links[prefix is null ? rel : prefix + "/" + rel] = target;
            }
            catch (IOException)
            {
                // gone since the scan: the loop below leaves it out
            }
        }
        return links;
    }

    /// <summary>
    /// Names TarWriter would write but no reader could give back as they are. A line break ends a PAX record, which
    /// .NET's TarReader splits on, so one such name makes the whole archive unreadable; a name that is not UTF-8 is
    /// listed with U+FFFD in place of its bytes and would come back as another name. Everything else TarWriter
    /// keeps byte for byte (backslashes, tabs, '=', long names: the tests hold it to that).
    /// </summary>
    internal static void RefuseUnrepresentable(string rel, string full)
    {
        string? why = rel.Contains('\n') ? "its name holds a line break"
            : rel.Contains('\uFFFD') && !File.Exists(full) && !Directory.Exists(full) && new FileInfo(full).LinkTarget is null ? "its name is not valid UTF-8"
            : new FileInfo(full).LinkTarget is { } target && target.Contains('\n') ? "it is a link whose target holds a line break"
            : null;
        if (why is not null)
            throw new InvalidInputException("UnrepresentableFileName",
                $"'{rel.Replace("\n", "\\n")}' cannot be backed up: {why}, which a tar archive cannot carry faithfully; rename it, or exclude it with exclude_patterns in .fastband/backup_config.yaml.");
    }

    /// <summary>
    /// Writes the files and links at these paths of <paramref name="tree"/> into a tar.gz, read without following
    /// any link (a link is archived as a link, with its recorded mode for a file); returns its sha256.
    /// </summary>
    internal static string WriteFrom(SafeTree tree, string archivePath, IReadOnlyList<string> files, CompressionLevel level)
    {
        using var file = CreateOwnerOnly(archivePath);
        using var hashing = new HashingStream(file);
        using (var gzip = new GZipStream(hashing, level, leaveOpen: true))
        {
            bool wroteAny = false;
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (string rel in files)
                {
                    var node = tree.Stat(rel);
                    if (node.Kind == NodeKind.File)
                    {
                        using var data = tree.OpenRead(rel);
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, rel) { DataStream = data, Mode = node.Mode });
                    }
                    else if (node.Kind == NodeKind.Link && tree.ReadLink(rel) is { } link)
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, rel) { LinkName = link });
                    else continue;
                    wroteAny = true;
                }
            }
            if (!wroteAny) gzip.Write(new byte[2 * 512]);
        }
        return hashing.HashHex();
    }

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>Reads every entry and every byte; throws InvalidDataException on a damaged archive.</summary>
    public static int ReadToEnd(string archivePath)
    {
        using var file = File.OpenRead(archivePath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        int count = 0;
        while (tar.GetNextEntry(copyData: false) is { } entry)
        {
            entry.DataStream?.CopyTo(Stream.Null);
            count++;
        }
        return count;
    }

    /// <summary>
    /// Extracts into <paramref name="staging"/>, which must be empty. An entry with '..', an absolute name, a link
    /// whose target leaves the folder (resolved through every link of the archive, so chains count), a hard link to
    /// anything but a file extracted before it, a device or fifo, a name that appears twice, or one that would be
    /// written through a link stops the extraction with <see cref="InvalidInputException"/> (HostileArchive).
    /// Links are made last, after every check, and nothing is ever written through one. Returns what was extracted.
    /// </summary>
    internal static IReadOnlyList<ExtractedEntry> ExtractSafely(string archivePath, string staging, string? stripPrefix = null)
    {
        CreateOwnerOnlyDirectory(staging);
        if (Directory.EnumerateFileSystemEntries(staging).Any())
            throw new InvalidOperationException($"The staging folder {staging} is not empty.");
        var written = new List<ExtractedEntry>();
        var files = new Dictionary<string, UnixFileMode>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var folders = new HashSet<string>(StringComparer.Ordinal); // every folder an extracted file sits in
        var linkOrder = new List<(string Rel, string Name)>();
        using var tree = SafeTree.Open(staging, OwnerOnlyDirectory);
        using var file = File.OpenRead(archivePath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        try
        {
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes) continue;
                string rel = SafeName(entry.Name, archivePath, stripPrefix);
                if (rel.Length == 0) continue;
                if (files.ContainsKey(rel) || links.ContainsKey(rel))
                    throw Hostile(archivePath, entry.Name, "appears twice (a second copy could replace a link with its contents)");
                for (int slash = rel.IndexOf('/'); slash > 0; slash = rel.IndexOf('/', slash + 1))
                    if (links.ContainsKey(rel[..slash]))
                        throw Hostile(archivePath, entry.Name, "would be written through a link the archive made earlier");
                for (int slash = rel.LastIndexOf('/'); slash > 0 && folders.Add(rel[..slash]); slash = rel.LastIndexOf('/', slash - 1)) { }
                if (entry.EntryType == TarEntryType.Directory) folders.Add(rel);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        tree.CreateDirectory(rel);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        using (var output = tree.CreateFile(rel))
                            entry.DataStream?.CopyTo(output);
                        files[rel] = RestoredMode(entry.Mode);
                        written.Add(new ExtractedEntry(rel, NodeKind.File, files[rel], null));
                        break;
                    case TarEntryType.SymbolicLink:
                        string linkTarget = OperatingSystem.IsWindows() ? entry.LinkName.Replace('\\', '/') : entry.LinkName;
                        if (linkTarget.Length == 0 || linkTarget.Contains('\0'))
                            throw Hostile(archivePath, entry.Name, "is a link with no target");
                        links[rel] = linkTarget;
                        linkOrder.Add((rel, entry.Name));
                        break;
                    case TarEntryType.HardLink:
                        // Only to a file this same archive already extracted, read back without following links.
                        string linked = SafeName(entry.LinkName, archivePath, stripPrefix);
                        if (!files.TryGetValue(linked, out var linkedMode))
                            throw Hostile(archivePath, entry.Name, $"is a hard link to '{entry.LinkName}', which is not a file the archive holds before it");
                        using (var input = tree.OpenRead(linked))
                        using (var output = tree.CreateFile(rel))
                            input.CopyTo(output);
                        files[rel] = linkedMode;
                        written.Add(new ExtractedEntry(rel, NodeKind.File, linkedMode, null));
                        break;
                    default:
                        throw Hostile(archivePath, entry.Name, $"is a {entry.EntryType} entry, which a backup never holds");
                }
            }
            // Every link is judged against all of them (a later link can redirect an earlier one's path), then made.
            foreach (var (rel, name) in linkOrder)
            {
                if (folders.Contains(rel))
                    throw Hostile(archivePath, name, "appears twice (a second copy could replace a link with its contents)");
                if (ResolveLink(rel, links[rel], r => links.GetValueOrDefault(r)) is null)
                    throw Hostile(archivePath, name, $"is a link to '{links[rel]}', outside the destination");
            }
            foreach (var (rel, _) in linkOrder)
            {
                tree.CreateLink(rel, links[rel]);
                written.Add(new ExtractedEntry(rel, NodeKind.Link, 0, links[rel]));
            }
        }
        catch (UnsafePathException e)
        {
            throw Hostile(archivePath, e.RelativePath, e.Why);
        }
        return written;
    }

    /// <summary>
    /// The mode a restored file gets: the one its tar entry records, less setuid, setgid, sticky and write for
    /// group and others (a backup made elsewhere must not plant a privileged or world-writable file), and always
    /// readable by its owner (so the next backup can read it; a restore replaces a file by rename, so a read-only
    /// one such as a git object keeps its 0444).
    /// </summary>
    public static UnixFileMode RestoredMode(UnixFileMode recorded) =>
        (recorded & (UnixFileMode)0b111_101_101) | UnixFileMode.UserRead;

    /// <summary>
    /// Where a link at <paramref name="linkPath"/> (root-relative) pointing at <paramref name="target"/> leads,
    /// following any link <paramref name="linkAt"/> names on the way; null if it leaves the root at any step
    /// (an absolute target, a '..' above the root, or more than 40 links deep).
    /// </summary>
    internal static List<string>? ResolveLink(string linkPath, string target, Func<string, string?> linkAt)
    {
        var folder = linkPath.Split('/').ToList();
        folder.RemoveAt(folder.Count - 1);
        int budget = 40;
        return Resolve(folder, target, linkAt, ref budget);
    }

    private static List<string>? Resolve(List<string> from, string target, Func<string, string?> linkAt, ref int budget)
    {
        if (target.StartsWith('/') || Path.IsPathRooted(target) || (target.Length > 1 && target[1] == ':')) return null;
        var at = new List<string>(from);
        foreach (string segment in target.Split(OperatingSystem.IsWindows() ? new[] { '/', '\\' } : new[] { '/' }))
        {
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                if (at.Count == 0) return null;
                at.RemoveAt(at.Count - 1);
                continue;
            }
            at.Add(segment);
            if (linkAt(string.Join('/', at)) is { } inner)
            {
                if (--budget < 0) return null;
                at.RemoveAt(at.Count - 1);
                if (Resolve(at, inner, linkAt, ref budget) is not { } resolved) return null;
                at = resolved;
            }
        }
        return at;
    }

    private static string SafeName(string name, string archivePath, string? stripPrefix)
    {
        // Only Windows treats a backslash as a separator; on Unix it is part of a file name.
        string n = OperatingSystem.IsWindows() ? name.Replace('\\', '/') : name;
        if (n.StartsWith('/') || (OperatingSystem.IsWindows() && n.Length > 1 && n[1] == ':'))
            throw Hostile(archivePath, name, "has an absolute path");
        if (n.Contains('\0')) throw Hostile(archivePath, name, "has a NUL in its name");
        var segments = n.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();
        if (segments.Contains(".."))
            throw Hostile(archivePath, name, "climbs out with '..'");
        if (stripPrefix is not null)
        {
            if (segments.Count == 0 || segments[0] != stripPrefix) throw Hostile(archivePath, name, $"is not under '{stripPrefix}/'");
            segments.RemoveAt(0);
        }
        return string.Join('/', segments);
    }

    internal static bool IsInside(string root, string path)
    {
        string r = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        string p = Path.GetFullPath(path);
        return p.StartsWith(r, StringComparison.Ordinal) || p + Path.DirectorySeparatorChar == r;
    }

    internal static InvalidInputException Hostile(string archive, string entry, string why) =>
        new("HostileArchive", $"The archive {Path.GetFileName(archive)} is unsafe: entry '{entry}' {why}; nothing was restored.");

    /// <summary>Passes writes through and hashes them.</summary>
    private sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public HashingStream(Stream inner) => _inner = inner;

        public string HashHex() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _inner.Write(buffer);
        }

        public override void Flush() => _inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>One file or link an extraction made, with the mode the restore gives it and a link's target.</summary>
internal sealed record ExtractedEntry(string Path, NodeKind Kind, UnixFileMode Mode, string? LinkTarget);
