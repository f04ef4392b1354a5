using System.Diagnostics;
using System.Text.Json;

namespace Fastband.Core.Backup;

/// <summary>
/// The backups folder, .fastband/backups/&lt;type&gt;/&lt;id&gt;/: the complete backups in it (listed with what
/// <see cref="RetentionPolicy"/> says of each, found by id or name, pruned), and the staging folders new backups
/// are built in and sealed from: the manifest written last, the folder renamed into place, so that a backup
/// appears complete or not at all.
/// </summary>
internal sealed partial class BackupCatalog(string stateDirectory, CallerIdentity caller, TimeProvider clock, Lazy<BackupConfig> backupConfig)
{
    /// <summary>.fastband/backups.</summary>
    public string BackupsDirectory { get; } = Path.Combine(stateDirectory, "backups");

    private string StagingDirectory => Path.Combine(BackupsDirectory, ".staging");

    /// <summary>Where the scan cache of the last backup is kept (what change detection compares with).</summary>
    public string CachePath => ScanCache.PathIn(Path.Combine(BackupsDirectory, ".state"));

    /// <summary>Every complete backup, newest first, each with the reason retention keeps (or drops) it.</summary>
    public IReadOnlyList<BackupInfo> List()
    {
        var found = new List<BackupInfo>();
        foreach (string type in BackupTypes.All)
        {
            string dir = Path.Combine(BackupsDirectory, type);
            if (!Directory.Exists(dir)) continue;
            foreach (string path in Directory.EnumerateDirectories(dir))
            {
                string manifestPath = Path.Combine(path, BackupManifest.FileName);
                if (!File.Exists(manifestPath)) continue; // incomplete: never listed
                try
                {
                    var manifest = FastbandJson.Deserialize<BackupManifest>(File.ReadAllText(manifestPath), indented: true);
                    if (manifest is not null) found.Add(new BackupInfo { Path = path, Manifest = manifest });
                }
                catch (JsonException) { }
            }
        }
        return RetentionPolicy.Of(backupConfig.Value).Apply(found);
    }

    /// <summary>A backup by id or name, or the newest one for "latest"; none is an error saying how to make or list them.</summary>
    public BackupInfo Find(string idOrLatest)
    {
        var all = List();
        if (all.Count == 0) throw new NotFoundException("NoBackups", "There are no backups yet: create one with 'fastband backup create'.");
        if (idOrLatest.Equals("latest", StringComparison.OrdinalIgnoreCase)) return all[0];
        return all.FirstOrDefault(b => b.Id == idOrLatest || b.Name == idOrLatest)
               ?? throw new NotFoundException("BackupNotFound", $"No backup '{idOrLatest}': list them with 'fastband backup list'.");
    }

    /// <summary>Deletes the backups retention drops (under the guard), or with <paramref name="dryRun"/> only says which.</summary>
    public PruneResult Prune(bool dryRun)
    {
        using var guard = dryRun ? null : BackupGuard.Acquire(BackupsDirectory, caller, "prune", clock);
        var all = List();
        var removed = all.Where(b => !b.Kept).ToList();
        if (!dryRun) foreach (var b in removed) Directory.Delete(b.Path, recursive: true);
        return new PruneResult { DryRun = dryRun, Removed = removed, Kept = all.Where(b => b.Kept).ToList() };
    }

    /// <summary>The artifact's file in the backup's own folder, by the name Fastband gives it (never the manifest's text).</summary>
    public static string ArtifactPath(BackupInfo backup, BackupArtifact artifact) =>
        Path.Combine(backup.Path, ManifestRules.ArtifactFileName(artifact.Component, backup.Manifest.DatabaseType));

    /// <summary>Writes the manifest last and renames the finished folder into place: it appears complete, or not at all.</summary>
    public string Seal(string staging, BackupManifest manifest)
    {
        using (var manifestFile = TarArchives.CreateOwnerOnly(Path.Combine(staging, BackupManifest.FileName)))
            JsonSerializer.Serialize(manifestFile, manifest, FastbandJson.Info<BackupManifest>());
        string final = Path.Combine(BackupsDirectory, manifest.BackupType, manifest.Id);
        TarArchives.CreateOwnerOnlyDirectory(Path.Combine(BackupsDirectory, manifest.BackupType));
        Directory.Move(staging, final);
        return final;
    }

    /// <summary>
    /// A staging folder of this run's own, named for its process (create-, restore- or dry-run-&lt;pid&gt;-&lt;8 hex&gt;):
    /// a dry run takes no guard, so a create running beside it must be able to tell its folder from a leftover.
    /// </summary>
    public string NewStagingFolder(string kind)
    {
        TarArchives.CreateOwnerOnlyDirectory(StagingDirectory);
        string path = Path.Combine(StagingDirectory, $"{kind}-{Environment.ProcessId}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}");
        TarArchives.CreateOwnerOnlyDirectory(path);
        return path;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-z-]+-(?<pid>[0-9]{1,10})-[0-9a-f]{8}$")]
    private static partial System.Text.RegularExpressions.Regex StagingName();

    /// <summary>Staging folders left by a killed run are removed by the next one (which holds the guard); a live process's are its own.</summary>
    public void CleanLeftovers()
    {
        if (!Directory.Exists(StagingDirectory)) return;
        foreach (var dir in Directory.EnumerateFileSystemEntries(StagingDirectory))
        {
            var match = StagingName().Match(Path.GetFileName(dir));
            if (match.Success && int.TryParse(match.Groups["pid"].Value, out int pid) && IsAlive(pid)) continue;
            if (new FileInfo(dir).LinkTarget is not null) { try { File.Delete(dir); } catch (IOException) { } continue; }
            TryDelete(dir);
        }
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Removes a folder and everything in it, as far as it can (a leftover is cleaned by the next run).</summary>
    public static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
