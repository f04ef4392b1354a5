using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fastband.Core.Backup.Database;

namespace Fastband.Core.Backup;

/// <summary>Options for one backup run.</summary>
public sealed record BackupRequest
{
    public string Type { get; init; } = BackupTypes.Manual;
    public string? Name { get; init; }
    public bool Force { get; init; }
    public IReadOnlyList<string>? Components { get; init; }
    public string Trigger { get; init; } = "manual";
}

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
/// The Backup Manager: change-aware, one run at a time, built in a staging folder and renamed into place
/// complete (manifest last), owner-only files, retention with reasons, verified and safe restores.
/// </summary>
public sealed partial class BackupService
{
    private static readonly JsonSerializerOptions ManifestJson = new(FastbandJson.Options) { };

    private readonly string _root;
    private readonly string _state;
    private readonly CallerIdentity _caller;
    private readonly TimeProvider _clock;
    private readonly Lazy<BackupConfig> _config;

    internal BackupService(string projectRoot, string stateDirectory, CallerIdentity caller, TimeProvider clock)
    {
        _root = projectRoot;
        _state = stateDirectory;
        _caller = caller;
        _clock = clock;
        _config = new Lazy<BackupConfig>(() => BackupConfig.Load(projectRoot, stateDirectory));
    }

    public BackupConfig Config => _config.Value;

    /// <summary>Who the backups are made as.</summary>
    public CallerIdentity Caller => _caller;

    /// <summary>The project folder the backups are of.</summary>
    public string Root => _root;
    public string BackupsDirectory => Path.Combine(_state, "backups");
    private string StagingDirectory => Path.Combine(BackupsDirectory, ".staging");
    private string CachePath => ScanCache.PathIn(Path.Combine(BackupsDirectory, ".state"));

    // ------------------------------------------------------------------ create

    public BackupResult Create(BackupRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default)
    {
        string type = BackupTypes.Parse(request.Type);
        var components = BackupComponent.Parse(request.Components, Config.Components);
        if (request.Name is { } n && (n.Length > 64 || n.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
            throw new InvalidInputException("InvalidBackupName", $"'{n}' is not a backup name: use up to 64 letters, digits, '-', '_' or '.'.");
        using var guard = BackupGuard.Acquire(BackupsDirectory, _caller, "backup", _clock);
        return CreateUnderGuard(type, components, request, progress, cancellation);
    }

    /// <summary>The backup itself; the caller holds the guard (a restore takes its safety backup under its own).</summary>
    private BackupResult CreateUnderGuard(string type, IReadOnlySet<string> components, BackupRequest request, IProgress<BackupProgress>? progress, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        CleanLeftovers();
        progress?.Report(new BackupProgress("Backup", "scanning the project", 0));
        var cache = ScanCache.Load(CachePath);
        var scan = ProjectScan.Run(_root, Config, components, cache);
        bool unchanged = cache.LastBackupContentHash == scan.ContentHash && scan.DatabaseFingerprint is not null;
        var changes = unchanged ? new ChangeSummary() : cache.Compare(scan);
        if (!request.Force && Config.ChangeDetection && unchanged)
        {
            if (cache.IsStaleFor(scan))
            {
                cache.Remember(scan);
                cache.Save(CachePath);
            }
            return new BackupResult
            {
                Skipped = true, Changes = changes, Elapsed = watch.Elapsed, UnchangedSince = cache.LastBackupId,
                Reason = $"nothing changed since backup {cache.LastBackupId} (files, git HEAD and database are the same); use --force to back up anyway",
            };
        }

        var now = _clock.GetUtcNow();
        string id = NewId(now, type);
        string staging = NewStagingFolder("create");
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
            if (components.Contains(BackupComponent.Code)) Archive(BackupComponent.Code, "code_backup.tar.gz", scan.Code, _root);
            if (components.Contains(BackupComponent.Config)) Archive(BackupComponent.Config, "config_backup.tar.gz", scan.Config, _root);
            if (components.Contains(BackupComponent.Data)) Archive(BackupComponent.Data, "data_backup.tar.gz", scan.Data, _root);
            if (components.Contains(BackupComponent.Git) && Directory.Exists(Path.Combine(_root, ".git")))
            {
                var gitFiles = Directory.EnumerateFiles(Path.Combine(_root, ".git"), "*", SearchOption.AllDirectories)
                    .Select(f => new ScannedFile(Path.GetRelativePath(_root, f).Replace('\\', '/'), 0, 0, "")).ToList();
                Archive(BackupComponent.Git, "git_backup.tar.gz", gitFiles, _root);
            }
            // Archives are independent: write them on every core at once.
            int done = 0;
            var hashes = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
            InParallel(() => Parallel.ForEach(jobs, new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
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
                Id = id, Name = request.Name, CreatedAt = now, ProjectPath = _root, BackupType = type, Trigger = request.Trigger,
                Agent = _caller.Agent, ContentHash = scan.ContentHash, SizeBytes = artifacts.Sum(a => a.SizeBytes),
                Components = BackupComponent.All.ToDictionary(c => c, c => components.Contains(c) && (c != BackupComponent.Database || !Config.Database.IsNone)),
                DatabaseType = Config.Database.IsNone ? null : Config.Database.Type, DatabaseTool = dbTool,
                GitHead = scan.GitHead, FileCount = scan.AllFiles.Count(), Artifacts = artifacts,
                ToolVersion = typeof(BackupService).Assembly.GetName().Version?.ToString() ?? "0",
                RetentionReason = type switch
                {
                    BackupTypes.Daily => $"daily: kept while among the newest {Config.DailyRetention} daily backups",
                    BackupTypes.Weekly => $"weekly: kept while among the newest {Config.WeeklyRetention} weekly backups",
                    _ when request.Trigger == "pre_restore" => "manual: the safety copy taken before a restore; never pruned automatically",
                    _ => "manual: never pruned automatically",
                },
            };
            string final = Seal(staging, manifest);
            cache.MarkBackedUp(scan, id);
            cache.Save(CachePath);
            progress?.Report(new BackupProgress("Backup", "done", 100));
            return new BackupResult
            {
                Backup = new BackupInfo { Path = final, Manifest = manifest, RetentionReason = "new" }, Changes = changes, Elapsed = watch.Elapsed,
                Reason = changes.Any ? changes.ToString() : "forced",
            };
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    private static string NewId(DateTimeOffset now, string type) =>
        $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{type}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2)).ToLowerInvariant()}";

    /// <summary>Writes the manifest last and renames the finished folder into place: it appears complete, or not at all.</summary>
    private string Seal(string staging, BackupManifest manifest)
    {
        using (var manifestFile = TarArchives.CreateOwnerOnly(Path.Combine(staging, BackupManifest.FileName)))
            JsonSerializer.Serialize(manifestFile, manifest, ManifestJson);
        string final = Path.Combine(BackupsDirectory, manifest.BackupType, manifest.Id);
        TarArchives.CreateOwnerOnlyDirectory(Path.Combine(BackupsDirectory, manifest.BackupType));
        Directory.Move(staging, final);
        return final;
    }

    /// <summary>
    /// A staging folder of this run's own, named for its process (create-, restore- or dry-run-&lt;pid&gt;-&lt;8 hex&gt;):
    /// a dry run takes no guard, so a create running beside it must be able to tell its folder from a leftover.
    /// </summary>
    private string NewStagingFolder(string kind)
    {
        TarArchives.CreateOwnerOnlyDirectory(StagingDirectory);
        string path = Path.Combine(StagingDirectory, $"{kind}-{Environment.ProcessId}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}");
        TarArchives.CreateOwnerOnlyDirectory(path);
        return path;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[a-z-]+-(?<pid>[0-9]{1,10})-[0-9a-f]{8}$")]
    private static partial System.Text.RegularExpressions.Regex StagingName();

    /// <summary>Staging folders left by a killed run are removed by the next one (which holds the guard); a live process's are its own.</summary>
    private void CleanLeftovers()
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

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // ------------------------------------------------------------------ list, status, prune, schedule

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
                    var manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(manifestPath), ManifestJson);
                    if (manifest is not null) found.Add(new BackupInfo { Path = path, Manifest = manifest });
                }
                catch (JsonException) { }
            }
        }
        var ordered = found.OrderByDescending(b => b.CreatedAt).ToList();
        var withReasons = new List<BackupInfo>();
        foreach (var group in ordered.GroupBy(b => b.BackupType))
        {
            int keep = group.Key == BackupTypes.Daily ? Config.DailyRetention : group.Key == BackupTypes.Weekly ? Config.WeeklyRetention : int.MaxValue;
            int rank = 0;
            foreach (var b in group)
            {
                rank++;
                bool kept = rank <= keep;
                string reason = group.Key == BackupTypes.Manual ? "manual: never pruned automatically"
                    : kept ? $"{group.Key}: {Ordinal(rank)} newest of the {keep} kept"
                    : $"{group.Key}: older than the newest {keep}; pruned next";
                withReasons.Add(new BackupInfo { Path = b.Path, Manifest = b.Manifest, Kept = kept, RetentionReason = reason });
            }
        }
        return withReasons.OrderByDescending(b => b.CreatedAt).ToList();
    }

    private static string Ordinal(int n) => n + (n % 100 is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    public BackupInfo Find(string idOrLatest)
    {
        var all = List();
        if (all.Count == 0) throw new NotFoundException("NoBackups", "There are no backups yet: create one with 'fastband backup create'.");
        if (idOrLatest.Equals("latest", StringComparison.OrdinalIgnoreCase)) return all[0];
        return all.FirstOrDefault(b => b.Id == idOrLatest || b.Name == idOrLatest)
               ?? throw new NotFoundException("BackupNotFound", $"No backup '{idOrLatest}': list them with 'fastband backup list'.");
    }

    public BackupStatus Status()
    {
        var all = List();
        var cache = ScanCache.Load(CachePath);
        var scan = ProjectScan.Run(_root, Config, Config.Components, cache);
        var (daily, weekly) = NextRuns(_clock.GetUtcNow(), all);
        return new BackupStatus
        {
            LastBackup = all.FirstOrDefault(), ChangesSinceLast = cache.Compare(scan), BackupCount = all.Count, TotalBytes = all.Sum(b => b.SizeBytes),
            NextDaily = daily, NextWeekly = weekly, RunningBackup = BackupGuard.CurrentHolder(BackupsDirectory), Database = Config.Database.ToString(),
        };
    }

    public PruneResult Prune(bool dryRun)
    {
        using var guard = dryRun ? null : BackupGuard.Acquire(BackupsDirectory, _caller, "prune", _clock);
        var all = List();
        var removed = all.Where(b => !b.Kept).ToList();
        if (!dryRun) foreach (var b in removed) Directory.Delete(b.Path, recursive: true);
        return new PruneResult { DryRun = dryRun, Removed = removed, Kept = all.Where(b => b.Kept).ToList() };
    }

    /// <summary>
    /// Safe to call as often as a scheduler likes: makes today's daily backup once, after daily_time (local
    /// time), and the weekly one once on weekly_day, then prunes.
    /// </summary>
    public ScheduledRunResult RunScheduled(IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default)
    {
        var now = _clock.GetUtcNow();
        var local = now.ToLocalTime();
        var all = List();
        var runs = new List<BackupResult>();
        var messages = new List<string>();
        bool afterTime = TimeOnly.FromDateTime(local.DateTime) >= Config.DailyTime;
        if (!Config.Enabled) messages.Add("backups are disabled in backup_config.yaml");
        else
        {
            if (Config.DailyEnabled && afterTime && !all.Any(b => b.BackupType == BackupTypes.Daily && b.CreatedAt.ToLocalTime().Date == local.Date))
                runs.Add(Create(new BackupRequest { Type = BackupTypes.Daily, Trigger = "scheduled" }, progress, cancellation));
            else messages.Add(Config.DailyEnabled ? (afterTime ? "today's daily backup exists" : $"the daily backup runs after {Config.DailyTime:HH\\:mm}") : "daily backups are off");
            if (Config.WeeklyEnabled && afterTime && local.DayOfWeek == Config.WeeklyDay
                && !all.Any(b => b.BackupType == BackupTypes.Weekly && b.CreatedAt.ToLocalTime().Date == local.Date))
                runs.Add(Create(new BackupRequest { Type = BackupTypes.Weekly, Trigger = "scheduled", Force = true }, progress, cancellation));
            if (runs.Any(r => r.Created)) Prune(dryRun: false);
        }
        var (daily, weekly) = NextRuns(now, List());
        messages.AddRange(runs.Select(r => r.ToString()));
        return new ScheduledRunResult { Runs = runs, Message = string.Join("; ", messages), NextDaily = daily, NextWeekly = weekly };
    }

    private (DateTimeOffset? Daily, DateTimeOffset? Weekly) NextRuns(DateTimeOffset now, IReadOnlyList<BackupInfo> all)
    {
        var local = now.ToLocalTime();
        DateTimeOffset At(DateTime day) => new(day.Date + Config.DailyTime.ToTimeSpan(), local.Offset);
        bool doneToday = all.Any(b => b.BackupType == BackupTypes.Daily && b.CreatedAt.ToLocalTime().Date == local.Date);
        var daily = At(local.DateTime) > local && !doneToday ? At(local.DateTime) : doneToday ? At(local.DateTime.AddDays(1)) : local;
        int days = ((int)Config.WeeklyDay - (int)local.DayOfWeek + 7) % 7;
        bool weeklyToday = all.Any(b => b.BackupType == BackupTypes.Weekly && b.CreatedAt.ToLocalTime().Date == local.Date);
        var weekly = At(local.DateTime.AddDays(days == 0 && weeklyToday ? 7 : days));
        if (weekly < local && !weeklyToday) weekly = local;
        return (Config.Enabled && Config.DailyEnabled ? daily : null, Config.Enabled && Config.WeeklyEnabled ? weekly : null);
    }

    // ------------------------------------------------------------------ verify

    /// <summary>
    /// Checksums, every archive read end to end, and the database dump restored into a scratch database.
    /// (A restore checks only the checksums first: its extraction into staging reads every byte before anything changes.)
    /// </summary>
    public VerifyResult Verify(string idOrLatest, bool scratchDatabase = true, CancellationToken cancellation = default, bool readArchives = true)
    {
        var backup = Find(idOrLatest);
        ManifestRules.Check(backup);
        return Verify(backup, scratchDatabase, cancellation, readArchives);
    }

    /// <summary>The artifact's file in the backup's own folder, by the name Fastband gives it (never the manifest's text).</summary>
    private static string ArtifactPath(BackupInfo backup, BackupArtifact artifact) =>
        Path.Combine(backup.Path, ManifestRules.ArtifactFileName(artifact.Component, backup.Manifest.DatabaseType));

    private VerifyResult Verify(BackupInfo backup, bool scratchDatabase, CancellationToken cancellation, bool readArchives)
    {
        var checks = new List<VerifyCheck>();
        foreach (var a in backup.Manifest.Artifacts)
        {
            string file = ArtifactPath(backup, a);
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
                var v = DatabaseBackups.For(dbType).VerifyInScratch(Config.Database, file, cancellation);
                checks.Add(new VerifyCheck(a.Component, "restores", v.Ok, v.Detail));
            }
        }
        return new VerifyResult { BackupId = backup.Id, Checks = checks };
    }

    // ------------------------------------------------------------------ restore

    /// <summary>
    /// Restores into the project or another folder: the manifest checked for shape, the checksums checked, every
    /// archive extracted into this run's own staging folder (hostile entries stop it there), every target checked
    /// on disk without following links, then a safety backup of exactly what will be replaced, then the swap.
    /// </summary>
    public RestoreResult Restore(RestoreRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default)
    {
        var backup = Find(request.BackupId);
        ManifestRules.Check(backup);
        var available = backup.Manifest.Components.Where(kv => kv.Value).Select(kv => kv.Key).ToHashSet();
        var components = BackupComponent.Parse(request.Components, available);
        foreach (var c in components)
            if (!available.Contains(c)) throw new InvalidInputException("ComponentNotInBackup", $"Backup {backup.Id} has no {c} component: it holds {string.Join(", ", available)}.");
        string destination = Path.GetFullPath(request.Destination ?? _root, _root);
        bool intoProject = destination == Path.GetFullPath(_root);
        string state = Path.GetFullPath(_state);
        if (destination == state || TarArchives.IsInside(state, destination))
            throw new InvalidInputException("InvalidDestination", $"{destination} is inside Fastband's own state folder {state}, which a restore never writes; choose another destination.");

        using var guard = request.DryRun ? null : BackupGuard.Acquire(BackupsDirectory, _caller, "restore", _clock);
        progress?.Report(new BackupProgress("Restore", "verifying the backup", 0));
        var verify = Verify(backup, scratchDatabase: false, cancellation, readArchives: false);
        if (!verify.Ok)
            throw new InvalidInputException("BackupDamaged", $"Backup {backup.Id} fails verification ({string.Join("; ", verify.Checks.Where(c => !c.Ok).Select(c => c.Detail))}); nothing was restored.");

        string staging = NewStagingFolder(request.DryRun ? "dry-run" : "restore");
        var trees = new List<SafeTree>();
        try
        {
            // 1. Extract every archive into an empty staging folder: hostile entries stop us here, before any change.
            // The archives are independent: extract them on every core at once, each into a folder named for its component.
            var archives = backup.Manifest.Artifacts.Where(a => components.Contains(a.Component) && a.Component != BackupComponent.Database).ToArray();
            var folders = archives.Select(a => Path.Combine(staging, BackupComponent.All.First(c => c == a.Component))).ToArray();
            var extracted = new IReadOnlyList<ExtractedEntry>[archives.Length];
            progress?.Report(new BackupProgress("Restore", "extracting into a staging folder", 20));
            InParallel(() => Parallel.For(0, archives.Length, new ParallelOptions { CancellationToken = cancellation }, i =>
                extracted[i] = TarArchives.ExtractSafely(ArtifactPath(backup, archives[i]), folders[i])));
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
                var cache = ScanCache.Load(CachePath);
                var current = ProjectScan.Run(_root, Config, components, cache);
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
                safetyId = Refusing(destination, "", () => CreateSafetyBackup(backup, replaced, target!, restoreDb, cancellation));
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
                DatabaseBackups.For(backup.Manifest.DatabaseType!).Restore(Config.Database, ArtifactPath(backup, artifact), cancellation);
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
            TryDelete(staging);
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

    /// <summary>
    /// The safety backup: a manual backup of exactly the files and links the restore replaces, read without
    /// following links (a folder swapped for a link stops it), plus the database when that is restored too.
    /// </summary>
    private string CreateSafetyBackup(BackupInfo of, IReadOnlyDictionary<string, List<string>> replaced, SafeTree project, bool withDatabase, CancellationToken cancellation)
    {
        var now = _clock.GetUtcNow();
        string id = NewId(now, BackupTypes.Manual);
        string staging = NewStagingFolder("create");
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
                Id = id, Name = $"pre-restore-{of.Id}", CreatedAt = now, ProjectPath = _root, BackupType = BackupTypes.Manual, Trigger = "pre_restore",
                Agent = _caller.Agent, SizeBytes = artifacts.Sum(a => a.SizeBytes),
                Components = BackupComponent.All.ToDictionary(c => c, c => artifacts.Any(a => a.Component == c)),
                DatabaseType = dbTool is null ? null : Config.Database.Type, DatabaseTool = dbTool,
                FileCount = replaced.Values.Sum(l => l.Count), Artifacts = artifacts,
                ToolVersion = typeof(BackupService).Assembly.GetName().Version?.ToString() ?? "0",
                RetentionReason = "manual: the safety copy taken before a restore (exactly what it replaced); never pruned automatically",
            };
            Seal(staging, manifest);
            return id;
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    /// <summary>Runs a parallel loop and lets its first failure through as itself (a refusal stays a refusal, not an AggregateException).</summary>
    private static void InParallel(Action loop)
    {
        try
        {
            loop();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            var first = e.InnerExceptions.FirstOrDefault(x => x is FastbandException) ?? e.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
