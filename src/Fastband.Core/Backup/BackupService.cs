namespace Fastband.Core.Backup;

/// <summary>
/// The Backup Manager as the CLI and the cmdlets call it (<c>project.Backups</c>): change-aware, one run at a time,
/// built in a staging folder and renamed into place complete (manifest last), owner-only files, retention with
/// reasons, verified and safe restores. Each entry point hands over to the part that does the work:
/// <see cref="BackupCreator"/>, <see cref="BackupCatalog"/> (list, find, prune by <see cref="RetentionPolicy"/>),
/// <see cref="BackupSchedule"/>, <see cref="BackupVerifier"/> and <see cref="RestorePipeline"/>.
/// </summary>
public sealed class BackupService
{
    private readonly Lazy<BackupConfig> _config;
    private readonly TimeProvider _clock;
    private readonly BackupCatalog _catalog;
    private readonly BackupCreator _creator;
    private readonly BackupVerifier _verifier;
    private readonly RestorePipeline _restores;
    private readonly BackupSchedule _schedule;

    internal BackupService(string projectRoot, CallerIdentity caller, TimeProvider clock, Lazy<BackupConfig> config, BackupCatalog catalog,
        BackupCreator creator, BackupVerifier verifier, RestorePipeline restores, BackupSchedule schedule)
    {
        Root = projectRoot;
        Caller = caller;
        _clock = clock;
        _config = config;
        _catalog = catalog;
        _creator = creator;
        _verifier = verifier;
        _restores = restores;
        _schedule = schedule;
    }

    /// <summary>backup_config.yaml, read when first needed.</summary>
    public BackupConfig Config => _config.Value;

    /// <summary>Who the backups are made as.</summary>
    public CallerIdentity Caller { get; }

    /// <summary>The project folder the backups are of.</summary>
    public string Root { get; }

    /// <inheritdoc cref="BackupCatalog.BackupsDirectory"/>
    public string BackupsDirectory => _catalog.BackupsDirectory;

    /// <inheritdoc cref="BackupCreator.Create"/>
    public BackupResult Create(BackupRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default) =>
        _creator.Create(request, progress, cancellation);

    /// <inheritdoc cref="BackupCatalog.List"/>
    public IReadOnlyList<BackupInfo> List() => _catalog.List();

    /// <inheritdoc cref="BackupCatalog.Find"/>
    public BackupInfo Find(string idOrLatest) => _catalog.Find(idOrLatest);

    /// <inheritdoc cref="BackupCatalog.Prune"/>
    public PruneResult Prune(bool dryRun) => _catalog.Prune(dryRun);

    /// <inheritdoc cref="BackupSchedule.Run"/>
    public ScheduledRunResult RunScheduled(IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default) =>
        _schedule.Run(progress, cancellation);

    /// <inheritdoc cref="BackupVerifier.Verify(string, bool, CancellationToken, bool)"/>
    public VerifyResult Verify(string idOrLatest, bool scratchDatabase = true, CancellationToken cancellation = default, bool readArchives = true) =>
        _verifier.Verify(idOrLatest, scratchDatabase, cancellation, readArchives);

    /// <inheritdoc cref="RestorePipeline.Restore"/>
    public RestoreResult Restore(RestoreRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default) =>
        _restores.Restore(request, progress, cancellation);

    /// <summary>
    /// The last backup, what changed since, how many there are and their size, when the next scheduled ones run,
    /// and the run under way (if any).
    /// </summary>
    public BackupStatus Status()
    {
        var all = _catalog.List();
        var cache = ScanCache.Load(_catalog.CachePath);
        var scan = ProjectScan.Run(Root, Config, Config.Components, cache);
        var (daily, weekly) = BackupSchedule.NextRuns(Config, _clock.GetUtcNow(), all);
        return new BackupStatus
        {
            LastBackup = all.FirstOrDefault(), ChangesSinceLast = cache.Compare(scan), BackupCount = all.Count, TotalBytes = all.Sum(b => b.SizeBytes),
            NextDaily = daily, NextWeekly = weekly, RunningBackup = BackupGuard.CurrentHolder(BackupsDirectory), Database = Config.Database.ToString(),
        };
    }
}
