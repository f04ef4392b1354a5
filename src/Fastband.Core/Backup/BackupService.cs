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
public sealed class BackupService
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
        string id = $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{type}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2)).ToLowerInvariant()}";
        string staging = Path.Combine(StagingDirectory, id);
        TarArchives.CreateOwnerOnlyDirectory(staging);
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
            using (var manifestFile = TarArchives.CreateOwnerOnly(Path.Combine(staging, BackupManifest.FileName)))
                JsonSerializer.Serialize(manifestFile, manifest, ManifestJson);
            string final = Path.Combine(BackupsDirectory, type, id);
            TarArchives.CreateOwnerOnlyDirectory(Path.Combine(BackupsDirectory, type));
            Directory.Move(staging, final); // appears complete, or not at all
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

    /// <summary>Staging folders left by a killed run are removed by the next one (which holds the guard).</summary>
    private void CleanLeftovers()
    {
        if (!Directory.Exists(StagingDirectory)) return;
        foreach (var dir in Directory.EnumerateDirectories(StagingDirectory))
            if (!Path.GetFileName(dir).StartsWith("restore-" , StringComparison.Ordinal) || !dir.EndsWith("-" + Environment.ProcessId, StringComparison.Ordinal))
                TryDelete(dir);
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
        var checks = new List<VerifyCheck>();
        foreach (var a in backup.Manifest.Artifacts)
        {
            string file = Path.Combine(backup.Path, a.File);
            if (!File.Exists(file)) { checks.Add(new VerifyCheck(a.Component, "present", false, $"{a.File} is missing")); continue; }
            string sha = TarArchives.Sha256Of(file);
            checks.Add(new VerifyCheck(a.Component, "checksum", sha == a.Sha256, sha == a.Sha256 ? $"{a.File} sha256 matches" : $"{a.File} sha256 is {sha}, the manifest says {a.Sha256}"));
            if (a.File.EndsWith(".tar.gz", StringComparison.Ordinal) && readArchives)
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

    public RestoreResult Restore(RestoreRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default)
    {
        var backup = Find(request.BackupId);
        var available = backup.Manifest.Components.Where(kv => kv.Value).Select(kv => kv.Key).ToHashSet();
        var components = BackupComponent.Parse(request.Components, available);
        foreach (var c in components)
            if (!available.Contains(c)) throw new InvalidInputException("ComponentNotInBackup", $"Backup {backup.Id} has no {c} component: it holds {string.Join(", ", available)}.");
        string destination = Path.GetFullPath(request.Destination ?? _root, _root);
        bool intoProject = destination == Path.GetFullPath(_root);

        using var guard = request.DryRun ? null : BackupGuard.Acquire(BackupsDirectory, _caller, "restore", _clock);
        progress?.Report(new BackupProgress("Restore", "verifying the backup", 0));
        var verify = Verify(backup.Id, scratchDatabase: false, cancellation, readArchives: false);
        if (!verify.Ok)
            throw new InvalidInputException("BackupDamaged", $"Backup {backup.Id} fails verification ({string.Join("; ", verify.Checks.Where(c => !c.Ok).Select(c => c.Detail))}); nothing was restored.");

        string staging = Path.Combine(StagingDirectory, "restore-" + backup.Id + "-" + Environment.ProcessId);
        TryDelete(staging);
        try
        {
            // 1. Extract every archive into an empty staging folder: hostile entries stop us here, before any change.
            // The archives are independent: extract them on every core at once, each into its own folder.
            var archives = backup.Manifest.Artifacts.Where(a => components.Contains(a.Component) && a.File.EndsWith(".tar.gz", StringComparison.Ordinal)).ToArray();
            var extracted = new IReadOnlyList<string>[archives.Length];
            progress?.Report(new BackupProgress("Restore", "extracting into a staging folder", 20));
            TarArchives.CreateOwnerOnlyDirectory(staging);
            InParallel(() => Parallel.For(0, archives.Length, new ParallelOptions { CancellationToken = cancellation }, i =>
                extracted[i] = TarArchives.ExtractSafely(Path.Combine(backup.Path, archives[i].File), Path.Combine(staging, archives[i].Component))));
            var plan = new List<(string Rel, string Source)>();
            for (int i = 0; i < archives.Length; i++)
                foreach (string rel in extracted[i])
                    plan.Add((rel, Path.Combine(staging, archives[i].Component, rel.Replace('/', Path.DirectorySeparatorChar))));
            // 2. Every destination path must stay inside the destination and not pass through a link already there.
            var changes = new List<string>();
            int created = 0, overwritten = 0, unchanged = 0;
            foreach (var (rel, source) in plan)
            {
                string target = Path.Combine(destination, rel.Replace('/', Path.DirectorySeparatorChar));
                if (!TarArchives.IsInside(destination, target) || PassesThroughLink(destination, target))
                    throw new InvalidInputException("HostileDestination", $"Restoring '{rel}' would write through a link in {destination}; nothing was restored.");
                var existing = new FileInfo(target);
                if (!existing.Exists) { created++; changes.Add("create " + rel); }
                else if (existing.LinkTarget is null && File.GetAttributes(source).HasFlag(FileAttributes.ReparsePoint) == false && SameContent(source, target)) unchanged++;
                else { overwritten++; changes.Add("overwrite " + rel); }
            }
            var restoredSet = plan.Select(p => p.Rel).ToHashSet(StringComparer.Ordinal);
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

            // 3. A safety backup of what is about to be overwritten.
            string? safetyId = null;
            if (intoProject && (overwritten > 0 || restoreDb))
            {
                progress?.Report(new BackupProgress("Restore", "taking a safety backup of the current state", 40));
                var safety = CreateUnderGuard(BackupTypes.Manual, components, new BackupRequest
                {
                    Type = BackupTypes.Manual, Name = $"pre-restore-{backup.Id}", Force = true, Trigger = "pre_restore",
                }, null, cancellation);
                safetyId = safety.Backup?.Id;
            }
            // 4. Swap the files in, each through a temporary name beside it.
            progress?.Report(new BackupProgress("Restore", "restoring files", 60));
            foreach (var (rel, source) in plan)
            {
                string target = Path.Combine(destination, rel.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var sourceInfo = new FileInfo(source);
                if (sourceInfo.LinkTarget is { } link)
                {
                    if (File.Exists(target) || Directory.Exists(target)) File.Delete(target);
                    File.CreateSymbolicLink(target, link);
                    continue;
                }
                // A rename within one file system (the staging folder is ours to empty); a copy across them.
                File.Move(source, target, overwrite: true);
            }
            if (restoreDb)
            {
                progress?.Report(new BackupProgress("Restore", "restoring the database", 85));
                var artifact = backup.Manifest.Artifacts.First(a => a.Component == BackupComponent.Database);
                DatabaseBackups.For(backup.Manifest.DatabaseType!).Restore(Config.Database, Path.Combine(backup.Path, artifact.File), cancellation);
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
            TryDelete(staging);
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

    private static bool PassesThroughLink(string root, string target)
    {
        for (var dir = Path.GetDirectoryName(target); dir is not null && dir.Length > root.TrimEnd(Path.DirectorySeparatorChar).Length; dir = Path.GetDirectoryName(dir))
            if (new DirectoryInfo(dir) is { Exists: true, LinkTarget: not null }) return true;
        return new FileInfo(target) is { Exists: true, LinkTarget: not null };
    }

    private static bool SameContent(string a, string b)
    {
        var fa = new FileInfo(a);
        var fb = new FileInfo(b);
        return fa.Length == fb.Length && TarArchives.Sha256Of(a) == TarArchives.Sha256Of(b);
    }
}
