using Fastband.Core.Backup.Database;

namespace Fastband.Core.Backup;

/// <summary>Options for one restore.</summary>
/// <summary>Options for one restore.</summary>
public sealed record RestoreRequest
{
    /// <summary>A backup id, or "latest".</summary>
    public string BackupId { get; init; } = "latest";
    public IReadOnlyList<string>? Components { get; init; }

    /// <summary>Where to restore; default the project itself.</summary>
    public string? Destination { get; init; }
    public bool DryRun { get; init; }
}

/// <summary>
/// A restore, step by step, each step able to stop it before anything changes: the backup verified, every
/// archive extracted into a staging folder of its own (hostile entries stop it there), every target looked at on
/// disk without following links, a safety backup of exactly what will be replaced, and only then the swap.
/// </summary>
internal sealed class RestorePipeline(string projectRoot, string stateDirectory, BackupCatalog catalog, BackupVerifier verifier, BackupCreator creator,
    CallerIdentity caller, TimeProvider clock, Lazy<BackupConfig> backupConfig)
{
    private BackupConfig Config => backupConfig.Value;

    /// <summary>
    /// Restores into the project or another folder: the manifest checked for shape, the checksums checked, every
    /// archive extracted into this run's own staging folder (hostile entries stop it there), every target checked
    /// on disk without following links, then a safety backup of exactly what will be replaced, then the swap.
    /// </summary>
    public RestoreResult Restore(RestoreRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default)
    {
        var backup = catalog.Find(request.BackupId);
        ManifestRules.Check(backup);
        var available = backup.Manifest.Components.Where(kv => kv.Value).Select(kv => kv.Key).ToHashSet();
        var components = BackupComponent.Parse(request.Components, available);
        foreach (var c in components)
            if (!available.Contains(c)) throw new InvalidInputException("ComponentNotInBackup", $"Backup {backup.Id} has no {c} component: it holds {string.Join(", ", available)}.");
        string destination = Path.GetFullPath(request.Destination ?? projectRoot, projectRoot);
        bool intoProject = destination == Path.GetFullPath(projectRoot);
        string state = Path.GetFullPath(stateDirectory);
        if (destination == state || TarArchives.IsInside(state, destination))
            throw new InvalidInputException("InvalidDestination", $"{destination} is inside Fastband's own state folder {state}, which a restore never writes; choose another destination.");

        using var guard = request.DryRun ? null : BackupGuard.Acquire(catalog.BackupsDirectory, caller, "restore", clock);
        progress?.Report(new BackupProgress("Restore", "verifying the backup", 0));
        var verify = verifier.Verify(backup, scratchDatabase: false, cancellation, readArchives: false);
        if (!verify.Ok)
            throw new InvalidInputException("BackupDamaged", $"Backup {backup.Id} fails verification ({string.Join("; ", verify.Checks.Where(c => !c.Ok).Select(c => c.Detail))}); nothing was restored.");

        string staging = catalog.NewStagingFolder(request.DryRun ? "dry-run" : "restore");
        var trees = new List<SafeTree>();
        try
        {
            // 1. Extract every archive into an empty staging folder: hostile entries stop us here, before any change.
            // The archives are independent: extract them on every core at once, each into a folder named for its component.
            var archives = backup.Manifest.Artifacts.Where(a => components.Contains(a.Component) && a.Component != BackupComponent.Database).ToArray();
            var folders = archives.Select(a => Path.Combine(staging, BackupComponent.All.First(c => c == a.Component))).ToArray();
            var extracted = new IReadOnlyList<ExtractedEntry>[archives.Length];
            progress?.Report(new BackupProgress("Restore", "extracting into a staging folder", 20));
            BackupParallel.Run(() => Parallel.For(0, archives.Length, new ParallelOptions { CancellationToken = cancellation }, i =>
                extracted[i] = TarArchives.ExtractSafely(BackupCatalog.ArtifactPath(backup, archives[i]), folders[i])));
            var plan = new Dictionary<string, (int Archive, ExtractedEntry Entry)>(StringComparer.Ordinal);
            for (int i = 0; i < archives.Length; i++)
            {
                trees.Add(SafeTree.Open(folders[i], TarArchives.OwnerOnlyDirectory));
                foreach (var e in extracted[i])
                {
                    // Fastband's own state (the store, other backups' manifests, the guard) is never a restore target.
                    string top = e.Path.Split('/')[0];
                    if (top == ".fastband" || TarArchives.IsInside(state, Path.Combine(destination, e.Path)))
                        throw TarArchives.Hostile(archives[i].File, e.Path, "is under .fastband/, Fastband's own state, which a restore never writes");
                    // .git (hooks run code) comes back only from the git component, and that component holds nothing else.
                    if ((top == ".git") != (archives[i].Component == BackupComponent.Git))
                        throw TarArchives.Hostile(archives[i].File, e.Path, archives[i].Component == BackupComponent.Git
                            ? "is outside .git/, where the git component keeps everything" : "is under .git/, which only the git component restores");
                    plan[e.Path] = (i, e);
                }
            }
            progress?.Report(new BackupProgress("Restore", "comparing with the destination", 30));

            // 2. Each target as it really is on disk, reached without following links: created, replaced or unchanged.
            bool destinationExists = Directory.Exists(destination);
            if (!destinationExists && !request.DryRun)
            {
                Directory.CreateDirectory(destination);
                destinationExists = true;
            }
            var target = destinationExists ? SafeTree.Open(destination, FolderMode) : null;
            if (target is not null) trees.Add(target);
            var changes = new List<string>();
            var install = new List<string>();
            var replaced = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            int created = 0, overwritten = 0, unchanged = 0;
            foreach (var (rel, (archive, entry)) in plan)
            {
                var now = Refusing(destination, rel, () => target?.Stat(rel) ?? default);
                switch (now.Kind)
                {
                    case NodeKind.Missing:
                        created++;
                        changes.Add("create " + rel);
                        install.Add(rel);
                        break;
                    case NodeKind.File or NodeKind.Link:
                        if (Refusing(destination, rel, () => Same(entry, now, trees[archive], target!))) { unchanged++; break; }
                        overwritten++;
                        changes.Add("overwrite " + rel);
                        install.Add(rel);
                        string component = archives[archive].Component;
                        if (!replaced.TryGetValue(component, out var list)) replaced[component] = list = new List<string>();
                        list.Add(rel);
                        break;
                    default:
                        throw Refused(destination, rel, now.Kind == NodeKind.Directory ? "is a folder there, which a restore never removes" : "is a special file there");
                }
            }
            // A link must not lead outside through links already in the destination either.
            foreach (var (rel, (_, entry)) in plan)
            {
                if (entry.Kind != NodeKind.Link) continue;
                string? LinkAt(string path) => plan.TryGetValue(path, out var p) ? p.Entry.LinkTarget
                    : target is null ? null : ReadLinkOrRoot(target, path);
                if (TarArchives.ResolveLink(rel, entry.LinkTarget!, LinkAt) is null)
                    throw Refused(destination, rel, $"is a link to '{entry.LinkTarget}', which leads outside it through links already there");
            }
            var restoredSet = plan.Keys.ToHashSet(StringComparer.Ordinal);
            int notInBackup = 0;
            if (intoProject)
            {
                var cache = ScanCache.Load(catalog.CachePath);
                var current = ProjectScan.Run(projectRoot, Config, components, cache);
                notInBackup = current.AllFiles.Count(f => !restoredSet.Contains(f.Path));
            }
            bool restoreDb = components.Contains(BackupComponent.Database) && backup.Manifest.DatabaseType is not null;
            if (restoreDb) changes.Add($"restore the {backup.Manifest.DatabaseType} database {Config.Database}");
            if (request.DryRun)
                return new RestoreResult
                {
                    BackupId = backup.Id, DryRun = true, Destination = destination, Components = components.ToArray(), Created = created,
                    Overwritten = overwritten, Unchanged = unchanged, NotInBackup = notInBackup, DatabaseRestored = false, Changes = changes,
                };

            // 3. A safety backup of exactly what is about to be replaced, whatever the current config excludes.
            string? safetyId = null;
            if (intoProject && (overwritten > 0 || restoreDb))
            {
                progress?.Report(new BackupProgress("Restore", "taking a safety backup of what the restore replaces", 40));
                safetyId = Refusing(destination, "", () => creator.CreateSafetyBackup(backup, replaced, target!, restoreDb, cancellation));
            }
            // 4. Swap the files in: each renamed (or copied to a temporary name and renamed) over its target, never through a link.
            progress?.Report(new BackupProgress("Restore", "restoring files", 60));
            foreach (string rel in install)
            {
                var (archive, entry) = plan[rel];
                try
                {
                    target!.Install(trees[archive], rel, entry.Kind, entry.Mode, entry.LinkTarget);
                }
                catch (UnsafePathException e)
                {
                    throw new InvalidInputException("HostileDestination",
                        $"Restoring '{rel}' into {destination} stopped: it {e.Why}, so it was not written" + (safetyId is null ? "." : $"; what the restore had replaced is in safety backup {safetyId}."));
                }
            }
            if (restoreDb)
            {
                progress?.Report(new BackupProgress("Restore", "restoring the database", 85));
                var artifact = backup.Manifest.Artifacts.First(a => a.Component == BackupComponent.Database);
                DatabaseBackups.For(backup.Manifest.DatabaseType!).Restore(Config.Database, BackupCatalog.ArtifactPath(backup, artifact), cancellation);
            }
            progress?.Report(new BackupProgress("Restore", "done", 100));
            return new RestoreResult
            {
                BackupId = backup.Id, Destination = destination, Components = components.ToArray(), Created = created, Overwritten = overwritten,
                Unchanged = unchanged, NotInBackup = notInBackup, DatabaseRestored = restoreDb, SafetyBackupId = safetyId, Changes = changes,
            };
        }
        finally
        {
            foreach (var tree in trees) tree.Dispose();
            BackupCatalog.TryDelete(staging);
        }
    }

    /// <summary>A link on disk, or "/" (which leads outside) when the path to it passes through one: judged as escaping.</summary>
    private static string? ReadLinkOrRoot(SafeTree tree, string rel)
    {
        try { return tree.ReadLink(rel); }
        catch (UnsafePathException) { return "/"; }
    }

    /// <summary>Folders a restore makes in the destination: rwxr-xr-x, less the umask.</summary>
    private static readonly UnixFileMode FolderMode = (UnixFileMode)0b111_101_101;

    private static T Refusing<T>(string destination, string rel, Func<T> look)
    {
        try { return look(); }
        catch (UnsafePathException e) { throw Refused(destination, e.RelativePath.Length > 0 ? e.RelativePath : rel, e.Why); }
    }

    private static InvalidInputException Refused(string destination, string rel, string why) =>
        new("HostileDestination", $"Restoring '{rel}' into {destination} is refused: it {why}; nothing was restored.");

    /// <summary>The target already is what the entry would make: same bytes and mode, or the same link.</summary>
    private static bool Same(ExtractedEntry entry, NodeInfo now, SafeTree staged, SafeTree target)
    {
        if (entry.Kind == NodeKind.Link) return now.Kind == NodeKind.Link && target.ReadLink(entry.Path) == entry.LinkTarget;
        if (now.Kind != NodeKind.File || (!OperatingSystem.IsWindows() && now.Mode != entry.Mode)) return false;
        using var a = staged.OpenRead(entry.Path);
        using var b = target.OpenRead(entry.Path);
        return a.Length == b.Length && Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(a)) == Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(b));
    }
}
