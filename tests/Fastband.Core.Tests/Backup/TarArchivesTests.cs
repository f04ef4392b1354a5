using System.Formats.Tar;
using System.IO.Compression;
using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

/// <summary>Hostile archives: every way an entry could land outside the destination is refused before anything is written.</summary>
public sealed class TarArchivesTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Archive(params TarEntry[] entries)
    {
        string path = Path.Combine(_dir.Root, "hostile.tar.gz");
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        foreach (var e in entries) tar.WriteEntry(e);
        return path;
    }

    private static PaxTarEntry File_(string name, string text = "x") =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) };

    private static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    [Theory]
    [InlineData("../evil.txt")]
    [InlineData("a/../../evil.txt")]
    [InlineData("/etc/evil.txt")]
    public void Entries_that_climb_out_are_refused(string name)
    {
        string archive = Archive(File_("ok.txt"), File_(name));
        string staging = Path.Combine(_dir.Root, "staging");
        var e = Assert.Throws<InvalidInputException>(() => TarArchives.ExtractSafely(archive, staging));
        Assert.Equal("HostileArchive", e.ErrorId);
        Assert.False(File.Exists(Path.Combine(_dir.Root, "evil.txt")));
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("../../outside")]
    public void Links_pointing_out_are_refused(string target)
    {
        string archive = Archive(Link("escape", target));
        Assert.Equal("HostileArchive", Assert.Throws<InvalidInputException>(() => TarArchives.ExtractSafely(archive, Path.Combine(_dir.Root, "s"))).ErrorId);
    }

    [Fact]
    public void Writing_through_a_link_the_archive_made_earlier_is_refused()
    {
        string outside = Path.Combine(_dir.Root, "outside");
        Directory.CreateDirectory(outside);
        // A link that points inside (allowed), then an entry written through it: allowed only if it stays inside.
        string archive = Archive(Link("dir", "."), File_("dir/x.txt"));
        var e = Assert.Throws<InvalidInputException>(() => TarArchives.ExtractSafely(archive, Path.Combine(_dir.Root, "s")));
        Assert.Contains("through a link", e.Message);
    }

    [Fact]
    public void Devices_and_duplicates_are_refused_and_ordinary_archives_extract()
    {
        Assert.Throws<InvalidInputException>(() => TarArchives.ExtractSafely(Archive(new PaxTarEntry(TarEntryType.Fifo, "pipe")), Path.Combine(_dir.Root, "a")));
        Assert.Throws<InvalidInputException>(() => TarArchives.ExtractSafely(Archive(File_("same"), File_("same")), Path.Combine(_dir.Root, "b")));
        var files = TarArchives.ExtractSafely(Archive(File_("src/a.txt", "hello"), Link("src/alias", "a.txt")), Path.Combine(_dir.Root, "c"));
        Assert.Equal(new[] { "src/a.txt", "src/alias" }, files.Select(f => f.Path));
        Assert.Equal("hello", File.ReadAllText(Path.Combine(_dir.Root, "c", "src", "alias")));
    }

    [Fact]
    public void An_archive_with_no_files_is_a_valid_empty_tar_that_reads_and_extracts()
    {
        // A project without config files backs up an empty config archive: verify and restore must accept it.
        string archive = Path.Combine(_dir.Root, "config_backup.tar.gz");
        TarArchives.Write(archive, _dir.Root, Array.Empty<string>(), CompressionLevel.Fastest);
        Assert.Equal(0, TarArchives.ReadToEnd(archive));
        Assert.Empty(TarArchives.ExtractSafely(archive, Path.Combine(_dir.Root, "out")));
    }
}
