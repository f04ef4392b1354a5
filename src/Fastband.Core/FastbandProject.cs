using Fastband.Core.Alerts;
using Fastband.Core.Backup;
using Fastband.Core.Events;
using Fastband.Core.Health;
using Fastband.Core.Leader;
using Fastband.Core.Locks;
using Fastband.Core.Board;
using Fastband.Core.Issues;
using Fastband.Core.Git;
using Fastband.Core.Sessions;
using Fastband.Core.Messaging;
using Fastband.Core.OpsLog;
using Fastband.Core.Store;

namespace Fastband.Core;

/// <summary>How to open a project. Cmdlets and the CLI fill it from their own arguments and session.</summary>
public sealed record ProjectOptions
{
    /// <summary>--project / -Project, if given.</summary>
    public string? ProjectPath { get; init; }

    /// <summary>--agent / -Agent, if given.</summary>
    public string? Agent { get; init; }

    /// <summary>Where relative paths and the .fastband/ search start: the shell's cwd, or $PWD in PowerShell.</summary>
    public string CurrentDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Distinguishes two sessions of one agent as lock owners (--session, else FASTBAND_SESSION).</summary>
    public string? Session { get; init; }

    public Func<string, string?>? Environment { get; init; }
    public TimeProvider? Clock { get; init; }

    /// <summary>
    /// Open even when the project's PostgreSQL server cannot be reached now; the first use of the store then fails
    /// with the host, port and reason, unless the feature has an offline path (events log queues the event).
    /// </summary>
    public bool StoreMayBeOffline { get; init; }

    /// <summary>
    /// The caller only reads: a project whose SQLite store does not exist yet is refused (NoStore, not found)
    /// instead of getting an empty store made up on the spot, which would answer every question with "nothing".
    /// </summary>
    public bool ExistingStoreOnly { get; init; }
}

/// <summary>
/// One open project: its root, store, settings and the caller's identity, with the features on top.
/// Open one per command (CLI) or per cmdlet invocation, and dispose it.
/// </summary>
public sealed class FastbandProject : IDisposable
{
    public const string DatabaseFileName = "fastband.db";

    private FastbandProject(string root, IFastbandStore store, FastbandConfig config, CallerIdentity caller, TimeProvider clock, string? session, Func<string, string?> environment)
    {
        Root = root;
        Store = store;
        Config = config;
        Caller = caller;
        Clock = clock;
        Session = session;
        _environment = environment;
    }

    private readonly Func<string, string?> _environment;
    private AlertService? _alerts;

    // Every feature is built on its first use, not when the project opens: a CLI process runs one command, and
    // compiling the constructors of features it never touches cost each call about 10 ms at start-up.
    private static T Once<T>(ref T? slot, Func<T> make) where T : class => LazyInitializer.EnsureInitialized(ref slot, make);

    public static FastbandProject Open(ProjectOptions options)
    {
        string root = ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory, options.Environment);
        var caller = CallerIdentity.Resolve(options.Agent, options.Environment);
        string state = Path.Combine(root, ProjectLocator.StateFolderName);
        var config = FastbandConfig.Load(state);
        PhaseTrace.Mark("config");
        config.Alerts.ReadEnvironment(options.Environment ?? System.Environment.GetEnvironmentVariable);
        var clock = options.Clock ?? TimeProvider.System;
        var environment = options.Environment ?? System.Environment.GetEnvironmentVariable;
        if (options.ExistingStoreOnly && config.Store.SelectPostgres(environment) is null && !File.Exists(StoreFactory.SqlitePath(state)))
            throw new NotFoundException("NoStore",
                $"There is no Fastband store for '{root}' (no {Path.Combine(ProjectLocator.StateFolderName, DatabaseFileName)} in it or above it), so there is nothing to read: run 'fastband init' (Initialize-FastbandProject) in the project to make one, or pass --project (-Project) or set FASTBAND_PROJECT to your team's project.");
        var store = StoreFactory.Open(state, config.Store, environment, clock, options.StoreMayBeOffline);
        PhaseTrace.Mark("store-open");
        string? session = options.Session ?? environment("FASTBAND_SESSION");
        return new FastbandProject(root, store, config, caller, clock, string.IsNullOrWhiteSpace(session) ? null : session.Trim(), environment) { CreatedStore = StoreFactory.WasCreated(store) };
    }

    /// <summary>
    /// The backup manager alone, without opening the store: backups touch only files (and the project's own
    /// database, through its tools), so a backup command neither waits for the store nor creates one.
    /// </summary>
    public static BackupService OpenBackups(ProjectOptions options)
    {
        string root = ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory, options.Environment);
        var caller = CallerIdentity.Resolve(options.Agent, options.Environment);
        return OpenBackupService(root, Path.Combine(root, ProjectLocator.StateFolderName), caller, options.Clock ?? TimeProvider.System);
    }

    /// <summary>The Backup Manager: its parts over one backups folder and one backup_config.yaml, behind <see cref="BackupService"/>.</summary>
    private static BackupService OpenBackupService(string root, string state, CallerIdentity caller, TimeProvider clock)
    {
        var config = new Lazy<BackupConfig>(() => BackupConfig.Load(root, state));
        var catalog = new BackupCatalog(state, caller, clock, config);
        var creator = new BackupCreator(root, catalog, caller, clock, config);
        var verifier = new BackupVerifier(catalog, config);
        return new BackupService(root, caller, clock, config, catalog, creator, verifier,
            new RestorePipeline(root, state, catalog, verifier, creator, caller, clock, config), new BackupSchedule(catalog, creator, clock, config));
    }

    /// <summary>The interaction event log: its parts over one log (retries, offline queue), behind <see cref="EventService"/>.</summary>
    private static EventService OpenEvents(IFastbandStore store, CallerIdentity caller, EventsSettings settings, TimeProvider clock, string root, string state)
    {
        string files = Path.GetFullPath(Path.Combine(root, settings.Directory));
        var errorLog = new EventErrorLog(files, clock);
        var log = new EventLog(store.Events, store.Location, caller, settings, clock, state, errorLog);
        return new EventService(log, new SeedInterop(log, store.Events, errorLog),
            new TranscriptWriter(log, store.Events, store.Notifications, settings, files, state), new EventCursors(log, store.Events, caller, clock, files));
    }

    /// <summary>The git safety net: its parts over one repository handle, behind <see cref="GitService"/>.</summary>
    private static GitService OpenGit(string root, string state, ISessionStore store, CallerIdentity caller, string? session, TimeProvider clock, SessionService sessions)
    {
        var repo = new GitRepository(root, state, caller, session, clock);
        var commits = new GitCommits(repo);
        var checkpoints = new GitCheckpoints(repo, commits, store, sessions);
        var snapshots = new GitSnapshots(repo, store, sessions);
        return new GitService(repo, commits, checkpoints, snapshots, new GitRestores(repo, checkpoints, snapshots, sessions),
            new GitStatusReader(repo, checkpoints, snapshots), new GitHealthCheck(repo, snapshots));
    }

    public string Root { get; }
    public string StateDirectory => Path.Combine(Root, ProjectLocator.StateFolderName);

    /// <summary>
    /// True when opening created an empty store. A read that does so saw nothing, which may mean the caller
    /// is not in the project it thinks it is in: front ends warn.
    /// </summary>
    public bool CreatedStore { get; private init; }

    /// <summary>The warning front ends show when a read created the store.</summary>
    public string NewStoreWarning => Store is SqliteStore
        ? $"no Fastband store existed in or above this folder, so an empty one was created in {StateDirectory} and nothing in it blocks you; if your team's project is elsewhere, pass --project (-Project) or set FASTBAND_PROJECT."
        : $"the store {Store.Location} was empty, so its tables were just created and nothing in it blocks you; if your team uses another database or schema, fix the store: section of .fastband/config.yaml or {StoreSettings.Variable}.";
    public IFastbandStore Store { get; }

    /// <summary>Checks agent tool calls before they happen (the pre-tool-use hook): holds, rebuilds, other agents' exclusive locks.</summary>
    public Hooks.EditGuard EditGuard => field ?? Once(ref field, () => new Hooks.EditGuard(Coordination, Locks, Root, Caller));
    public FastbandConfig Config { get; }
    public CallerIdentity Caller { get; }
    public TimeProvider Clock { get; }

    public OpsLogService OpsLog => field ?? Once(ref field, () =>
        new OpsLogService(Store.OpsLog, Store.Notifications, Caller, Config.OpsLog, Clock, Path.Combine(StateDirectory, "agent_ops", "archive")));

    public DirectiveBoard Directives => field ?? Once(ref field, () => new DirectiveBoard(OpsLog, Agents, Caller, Config.OpsLog, Clock));

    public RebuildTracker Rebuilds => field ?? Once(ref field, () => new RebuildTracker(OpsLog, Caller, Config.OpsLog, Clock));

    public AgentRegistry Agents => field ?? Once(ref field, () => new AgentRegistry(Store.Agents, Caller, Config.OpsLog, Clock));

    public Coordinator Coordination => field ?? Once(ref field, () => new Coordinator(Directives, Rebuilds, Agents, Caller, Config.OpsLog, Clock, OpsLog.LatestId));

    public LockService Locks => field ?? Once(ref field, () =>
    {
        var locks = new LockService(Store.Locks, Store.Location, Caller, Session, Directives, OpsLog, Root, Clock);
        // A broken lock's holder is told why, as a message it will find in its inbox.
        locks.SendHandoff = (lease, body) => Messages.Send(lease.Agent, body, MessageKind.HandoffRequest);
        locks.OnBroken = (lease, reason) => Messages.Send(lease.Agent,
            $"{Caller.Agent} broke your lease {lease.LeaseId} on {string.Join(", ", lease.Resources)}: {reason}", "lock_broken");
        return locks;
    });

    public BackupService Backups => field ?? Once(ref field, () => OpenBackupService(Root, StateDirectory, Caller, Clock));

    public MessageService Messages => field ?? Once(ref field, () => new MessageService(Store.Messages, Store.Agents, Caller, Clock));

    public BoardService Board => field ?? Once(ref field, () => new BoardService(Store.Agents, Store.Statuses, Caller, Config.OpsLog, Clock, locks: Locks));

    public IssueService Issues => field ?? Once(ref field, () => new IssueService(Store.Issues, Caller, Directives, Config.Issues, Root, Clock));

    public StoreAdmin StoreAdmin => field ?? Once(ref field, () => new StoreAdmin(Store, Config.Store, StateDirectory, _environment, Clock));

    /// <summary>The issues' contribution to <c>fastband health</c> (registered in <see cref="Health"/>): statistics, stale claims, report freshness.</summary>
    public IssueHealthCheck IssueHealth => new(Store.Issues, Store.Agents, Config.Issues, Issues.ReportsDirectory());

    /// <summary>The interaction event log and its snapshots; also where features write events (leader elections, heartbeats, errors).</summary>
    public EventService Events => field ?? Once(ref field, () =>
    {
        var events = OpenEvents(Store, Caller, Config.Events, Clock, Root, StateDirectory);
        Alerts.Attach(events); // error events raise alerts whoever writes them
        return events;
    });

    /// <summary>Heartbeats and leader election.</summary>
    public LeaderService Leader => field ?? Once(ref field, () => new LeaderService(Store.Leader, Store.Locks, Caller, Config.Leader, Events, Clock));

    /// <summary>Runs every feature's health check; features add theirs with <see cref="HealthService.Register"/>.</summary>
    public HealthService Health => field ?? Once(ref field, () =>
    {
        var health = new HealthService(Root, Config.Health, Clock, Alerts) { ErrorsSince = Events.ErrorsSince };
        health.Register(new StoreHealthCheck(Store));
        health.Register(new LeaderHealthCheck(Leader, Config.Health));
        health.Register(new HeartbeatHealthCheck(Leader, Config.Health));
        health.Register(new StaleLockHealthCheck(Locks));
        health.Register(new OfflineQueueHealthCheck(StateDirectory));
        health.Register(new AlertOutboxHealthCheck(Alerts));
        health.Register(new PermissionsHealthCheck(StateDirectory));
        health.Register(IssueHealth);
        health.Register(Git.Health);
        return health;
    });

    /// <summary>Webhook alerts for error events.</summary>
    public AlertService Alerts => _alerts ?? Once(ref _alerts, () => new AlertService(Config.Alerts, StateDirectory, Root, Clock));

    /// <summary>The caller's session (--session, else FASTBAND_SESSION), or null.</summary>
    public string? Session { get; }
    public SessionService Sessions => field ?? Once(ref field, () => new SessionService(Store.Sessions, Caller, Clock, Session));

    public GitService Git => field ?? Once(ref field, () => OpenGit(Root, StateDirectory, Store.Sessions, Caller, Session, Clock, Sessions));

    /// <summary>Waits (at most alerts.exitWait) for alert deliveries under way, then closes the store.</summary>
    public void Dispose()
    {
        _alerts?.Dispose();
        Store.Dispose();
    }
}
