using System.IO.Compression;
using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

public sealed class TarArchivesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fastband-tar-" + Guid.NewGuid().ToString("N")[..12]);

    public TarArchivesTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void An_archive_with_no_files_is_a_valid_empty_tar_that_reads_and_extracts()
    {
        // A project without config files backs up an empty config archive: verify and restore must accept it.
        string archive = Path.Combine(_dir, "config_backup.tar.gz");
        TarArchives.Write(archive, _dir, Array.Empty<string>(), CompressionLevel.Fastest);

        Assert.Equal(0, TarArchives.ReadToEnd(archive));
        Assert.Empty(TarArchives.ExtractSafely(archive, Path.Combine(_dir, "out")));
    }
}
