using System.Diagnostics;
using Fastband.Core.Backup.Database;

namespace Fastband.Core.Backup;

/// <summary>Options for one backup run.</summary>
/// <summary>Options for one backup run.</summary>
public sealed record BackupRequest
{
    public string Type { get; init; } = BackupTypes.Manual;
    public string? Name { get; init; }
    public bool Force { get; init; }
    public IReadOnlyList<string>? Components { get; init; }
    public string Trigger { get; init; } = "manual";
}

/// <summary>
/// Making backups: change-aware (a run that finds nothing changed since the last backup is skipped), one run at a
/// time under the <see cref="BackupGuard"/>, every archive written at once into a staging folder that
/// <see cref="BackupCatalog.Seal"/> renames into place complete; and the safety backup a restore takes of exactly
/// what it is about to replace.
/// </summary>
internal sealed class BackupCreator(string projectRoot, BackupCatalog catalog, CallerIdentity caller, TimeProvider clock, Lazy<BackupConfig> backupConfig)
{
    private BackupConfig Config => backupConfig.Value;

    /// <summary>A backup of the components asked for (default: the config's), or a skip when nothing changed since the last one.</summary>
    public BackupResult Create(BackupRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default)
    {
        string type = BackupTypes.Parse(request.Type);
        var components = BackupComponent.Parse(request.Components, Config.Components);
        if (request.Name is { } n && (n.Length > 64 || n.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
            throw new InvalidInputException("InvalidBackupName", $"'{n}' is not a backup name: use up to 64 letters, digits, '-', '_' or '.'.");
        using var guard = BackupGuard.Acquire(catalog.BackupsDirectory, caller, "backup", clock);
        return CreateUnderGuard(type, components, request, progress, cancellation);
    }

    /// <summary>The backup itself; the caller holds the guard (a restore takes its safety backup under its own).</summary>
    private BackupResult CreateUnderGuard(string type, IReadOnlySet<string> components, BackupRequest request, IProgress<BackupProgress>? progress, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        catalog.CleanLeftovers();
        progress?.Report(new BackupProgress("Backup", "scanning the project", 0));
        var cache = ScanCache.Load(catalog.CachePath);
        var scan = ProjectScan.Run(projectRoot, Config, components, cache);
        bool unchanged = cache.LastBackupContentHash == scan.ContentHash && scan.DatabaseFingerprint is not null;
        var changes = unchanged ? new ChangeSummary() : cache.Compare(scan);
        if (!request.Force && Config.ChangeDetection && unchanged)
        {
            if (cache.IsStaleFor(scan))
            {
                cache.Remember(scan);
                cache.Save(catalog.CachePath);
            }
            return new BackupResult
            {
                Skipped = true, Changes = changes, Elapsed = watch.Elapsed, UnchangedSince = cache.LastBackupId,
                Reason = $"nothing changed since backup {cache.LastBackupId} (files, git HEAD and database are the same); use --force to back up anyway",
            };
        }

        var now = clock.GetUtcNow();
        string id = NewId(now, type);
        string staging = catalog.NewStagingFolder("create");
        try
        {
            var artifacts = new List<BackupArtifact>();
            var jobs = new List<(string Component, string File, Func<string> Write)>();
            void Archive(string component, string file, IReadOnlyList<ScannedFile> files, string root, string? prefix = null)
            {
                string path = Path.Combine(staging, file);
                var list = files.Select(f => f.Path).ToArray();
                jobs.Add((component, file, () => TarArchives.Write(path, root, list, Config.Compression, prefix)));
            }
            if (components.Contains(BackupComponent.Code)) Archive(BackupComponent.Code, "code_backup.tar.gz", scan.Code, projectRoot);
            if (components.Contains(BackupComponent.Config)) Archive(BackupComponent.Config, "config_backup.tar.gz", scan.Config, projectRoot);
            if (components.Contains(BackupComponent.Data)) Archive(BackupComponent.Data, "data_backup.tar.gz", scan.Data, projectRoot);
            if (components.Contains(BackupComponent.Git) && Directory.Exists(Path.Combine(projectRoot, ".git")))
            {
                var gitFiles = Directory.EnumerateFiles(Path.Combine(projectRoot, ".git"), "*", SearchOption.AllDirectories)
                    .Select(f => new ScannedFile(Path.GetRelativePath(projectRoot, f).Replace('\\', '/'), 0, 0, "")).ToList();
                Archive(BackupComponent.Git, "git_backup.tar.gz", gitFiles, projectRoot);
            }
            // Archives are independent: write them on every core at once.
            int done = 0;
            var hashes = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
            BackupParallel.Run(() => Parallel.ForEach(jobs, new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
            {
                hashes[job.File] = job.Write();
                int finished = Interlocked.Increment(ref done);
                progress?.Report(new BackupProgress("Backup", $"{job.Component} archived", 10 + 70 * finished / Math.Max(1, jobs.Count)));
            }));
            foreach (var job in jobs)
                artifacts.Add(new BackupArtifact(job.Component, job.File, new FileInfo(Path.Combine(staging, job.File)).Length, hashes[job.File]));

            string? dbTool = null;
            if (components.Contains(BackupComponent.Database) && !Config.Database.IsNone)
            {
                progress?.Report(new BackupProgress("Backup", $"dumping the {Config.Database.Type} database", 85));
                var dump = DatabaseBackups.For(Config.Database.Type).Dump(Config.Database, staging, cancellation);
                dbTool = dump.Tool;
                artifacts.Add(new BackupArtifact(BackupComponent.Database, Path.GetFileName(dump.File), dump.SizeBytes, TarArchives.Sha256Of(dump.File)));
            }

            var manifest = new BackupManifest
            {
                Id = id, Name = request.Name, CreatedAt = now, ProjectPath = projectRoot, BackupType = type, Trigger = request.Trigger,
                Agent = caller.Agent, ContentHash = scan.ContentHash, SizeBytes = artifacts.Sum(a => a.SizeBytes),
                Components = BackupComponent.All.ToDictionary(c => c, c => components.Contains(c) && (c != BackupComponent.Database || !Config.Database.IsNone)),
                DatabaseType = Config.Database.IsNone ? null : Config.Database.Type, DatabaseTool = dbTool,
                GitHead = scan.GitHead, FileCount = scan.AllFiles.Count(), Artifacts = artifacts,
                ToolVersion = typeof(BackupService).Assembly.GetName().Version?.ToString() ?? "0",
                RetentionReason = RetentionPolicy.Of(Config).ReasonAtCreation(type, request.Trigger),
            };
            string final = catalog.Seal(staging, manifest);
            cache.MarkBackedUp(scan, id);
            cache.Save(catalog.CachePath);
            progress?.Report(new BackupProgress("Backup", "done", 100));
            return new BackupResult
            {
                Backup = new BackupInfo { Path = final, Manifest = manifest, RetentionReason = "new" }, Changes = changes, Elapsed = watch.Elapsed,
                Reason = changes.Any ? changes.ToString() : "forced",
            };
        }
        catch
        {
            BackupCatalog.TryDelete(staging);
            throw;
        }
    }

    private static string NewId(DateTimeOffset now, string type) =>
        $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{type}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2)).ToLowerInvariant()}";

    /// <summary>
    /// The safety backup: a manual backup of exactly the files and links the restore replaces, read without
    /// following links (a folder swapped for a link stops it), plus the database when that is restored too.
    /// </summary>
    public string CreateSafetyBackup(BackupInfo of, IReadOnlyDictionary<string, List<string>> replaced, SafeTree project, bool withDatabase, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        string id = NewId(now, BackupTypes.Manual);
        string staging = catalog.NewStagingFolder("create");
        try
        {
            var artifacts = new List<BackupArtifact>();
            foreach (var (component, files) in replaced.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                string file = ManifestRules.ArtifactFileName(component, null);
                string path = Path.Combine(staging, file);
                string sha = TarArchives.WriteFrom(project, path, files, Config.Compression);
                artifacts.Add(new BackupArtifact(component, file, new FileInfo(path).Length, sha));
            }
            string? dbTool = null;
            if (withDatabase && !Config.Database.IsNone)
            {
                var dump = DatabaseBackups.For(Config.Database.Type).Dump(Config.Database, staging, cancellation);
                dbTool = dump.Tool;
                artifacts.Add(new BackupArtifact(BackupComponent.Database, Path.GetFileName(dump.File), dump.SizeBytes, TarArchives.Sha256Of(dump.File)));
            }
            var manifest = new BackupManifest
            {
                Id = id, Name = $"pre-restore-{of.Id}", CreatedAt = now, ProjectPath = projectRoot, BackupType = BackupTypes.Manual, Trigger = "pre_restore",
                Agent = caller.Agent, SizeBytes = artifacts.Sum(a => a.SizeBytes),
                Components = BackupComponent.All.ToDictionary(c => c, c => artifacts.Any(a => a.Component == c)),
                DatabaseType = dbTool is null ? null : Config.Database.Type, DatabaseTool = dbTool,
                FileCount = replaced.Values.Sum(l => l.Count), Artifacts = artifacts,
                ToolVersion = typeof(BackupService).Assembly.GetName().Version?.ToString() ?? "0",
                RetentionReason = RetentionPolicy.SafetyCopyReason,
            };
            catalog.Seal(staging, manifest);
            return id;
        }
        catch
        {
            BackupCatalog.TryDelete(staging);
            throw;
        }
    }
}
