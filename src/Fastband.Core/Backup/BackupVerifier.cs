using Fastband.Core.Backup.Database;

namespace Fastband.Core.Backup;

/// <summary>
/// Whether a backup can be trusted: every artifact present (and not a link), its checksum the manifest's, every
/// archive readable end to end, and the database dump restored into a scratch database.
/// </summary>
internal sealed class BackupVerifier(BackupCatalog catalog, Lazy<BackupConfig> backupConfig)
{
    /// <summary>
    /// Checksums, every archive read end to end, and the database dump restored into a scratch database.
    /// (A restore checks only the checksums first: its extraction into staging reads every byte before anything changes.)
    /// </summary>
    public VerifyResult Verify(string idOrLatest, bool scratchDatabase = true, CancellationToken cancellation = default, bool readArchives = true)
    {
        var backup = catalog.Find(idOrLatest);
        ManifestRules.Check(backup);
        return Verify(backup, scratchDatabase, cancellation, readArchives);
    }

    /// <summary>Verifies a backup already found (a restore verifies the one it is about to restore).</summary>
    public VerifyResult Verify(BackupInfo backup, bool scratchDatabase, CancellationToken cancellation, bool readArchives)
    {
        var checks = new List<VerifyCheck>();
        foreach (var a in backup.Manifest.Artifacts)
        {
            string file = BackupCatalog.ArtifactPath(backup, a);
            var info = new FileInfo(file);
            if (!info.Exists) { checks.Add(new VerifyCheck(a.Component, "present", false, $"{a.File} is missing")); continue; }
            if (info.LinkTarget is not null) { checks.Add(new VerifyCheck(a.Component, "present", false, $"{a.File} is a link, which Fastband never writes")); continue; }
            string sha = TarArchives.Sha256Of(file);
            checks.Add(new VerifyCheck(a.Component, "checksum", sha == a.Sha256, sha == a.Sha256 ? $"{a.File} sha256 matches" : $"{a.File} sha256 is {sha}, the manifest says {a.Sha256}"));
            if (a.Component != BackupComponent.Database && readArchives)
            {
                try { checks.Add(new VerifyCheck(a.Component, "readable", true, $"{a.File}: {TarArchives.ReadToEnd(file)} entries read end to end")); }
                catch (Exception e) when (e is InvalidDataException or IOException or FormatException) { checks.Add(new VerifyCheck(a.Component, "readable", false, $"{a.File} cannot be read: {e.Message}")); }
            }
            else if (a.Component == BackupComponent.Database && scratchDatabase && backup.Manifest.DatabaseType is { } dbType)
            {
                var v = DatabaseBackups.For(dbType).VerifyInScratch(backupConfig.Value.Database, file, cancellation);
                checks.Add(new VerifyCheck(a.Component, "restores", v.Ok, v.Detail));
            }
        }
        return new VerifyResult { BackupId = backup.Id, Checks = checks };
    }
}
