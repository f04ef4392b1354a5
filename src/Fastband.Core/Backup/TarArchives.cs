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
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (string rel in files)
                {
                    string full = Path.Combine(root, rel.Replace('/', Path.DirectorySeparatorChar));
                    string name = prefix is null ? rel : prefix + "/" + rel;
                    try
                    {
                        RefuseUnrepresentable(rel, full);
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
    /// pointing outside, a device or fifo, or one that would write through an earlier link stops the extraction
    /// with <see cref="InvalidInputException"/> (HostileArchive). Returns the project-relative files extracted.
    /// </summary>
    public static IReadOnlyList<string> ExtractSafely(string archivePath, string staging, string? stripPrefix = null)
    {
        CreateOwnerOnlyDirectory(staging);
        if (Directory.EnumerateFileSystemEntries(staging).Any())
            throw new InvalidOperationException($"The staging folder {staging} is not empty.");
        string stagingFull = Path.GetFullPath(staging);
        var written = new List<string>();
        using var file = File.OpenRead(archivePath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry(copyData: false) is { } entry)
        {
            string rel = SafeName(entry.Name, archivePath, stripPrefix);
            if (rel.Length == 0) continue;
            string target = Path.Combine(stagingFull, rel.Replace('/', Path.DirectorySeparatorChar));
            EnsureNoLinkOnTheWay(stagingFull, target, entry.Name, archivePath);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    using (var output = CreateOwnerOnly(target))
                        entry.DataStream?.CopyTo(output);
                    written.Add(rel);
                    break;
                case TarEntryType.SymbolicLink:
                    string linkTarget = entry.LinkName.Replace('\\', '/');
                    string resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(target)!, linkTarget));
                    if (Path.IsPathRooted(linkTarget) || linkTarget.StartsWith('/') || !IsInside(stagingFull, resolved))
                        throw Hostile(archivePath, entry.Name, $"is a link to '{entry.LinkName}', outside the destination");
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.CreateSymbolicLink(target, linkTarget);
                    written.Add(rel);
                    break;
                case TarEntryType.HardLink:
                    string linked = SafeName(entry.LinkName, archivePath, stripPrefix);
                    string source = Path.Combine(stagingFull, linked.Replace('/', Path.DirectorySeparatorChar));
                    if (!File.Exists(source)) throw Hostile(archivePath, entry.Name, $"is a hard link to '{entry.LinkName}', which the archive does not hold before it");
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(source, target);
                    written.Add(rel);
                    break;
                case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                    break;
                default:
                    throw Hostile(archivePath, entry.Name, $"is a {entry.EntryType} entry, which a backup never holds");
            }
        }
        return written;
    }

    private static string SafeName(string name, string archivePath, string? stripPrefix)
    {
        string n = name.Replace('\\', '/');
        if (n.StartsWith('/') || (n.Length > 1 && n[1] == ':'))
            throw Hostile(archivePath, name, "has an absolute path");
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

    private static void EnsureNoLinkOnTheWay(string root, string target, string entryName, string archivePath)
    {
        for (var dir = Path.GetDirectoryName(target); dir is not null && dir.Length > root.Length; dir = Path.GetDirectoryName(dir))
        {
            var info = new DirectoryInfo(dir);
            if (info.Exists && info.LinkTarget is not null)
                throw Hostile(archivePath, entryName, "would be written through a link the archive made earlier");
        }
        if (File.Exists(target) || Directory.Exists(target))
            throw Hostile(archivePath, entryName, "appears twice (a second copy could replace a link with its contents)");
    }

    internal static bool IsInside(string root, string path)
    {
        string r = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        string p = Path.GetFullPath(path);
        return p.StartsWith(r, StringComparison.Ordinal) || p + Path.DirectorySeparatorChar == r;
    }

    private static InvalidInputException Hostile(string archive, string entry, string why) =>
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
