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
        var agents = new AgentRegistry(store.Agents, caller, config.OpsLog, clock);
        OpsLog = new OpsLogService(store.OpsLog, store.Notifications, caller, config.OpsLog, clock, Path.Combine(StateDirectory, "agent_ops", "archive"));
        Directives = new DirectiveBoard(OpsLog, agents, caller, config.OpsLog, clock);
        Rebuilds = new RebuildTracker(OpsLog, caller, config.OpsLog, clock);
        Agents = agents;
        Coordination = new Coordinator(Directives, Rebuilds, agents, caller, config.OpsLog, clock, OpsLog.LatestId);
        Locks = new LockService(store.Locks, caller, session, Directives, OpsLog, root, clock);
        Backups = OpenBackupService(root, StateDirectory, caller, clock);
        Messages = new MessageService(store.Messages, store.Agents, caller, clock);
        Board = new BoardService(store.Agents, store.Statuses, caller, config.OpsLog, clock, locks: Locks);
        Events = OpenEvents(store, caller, config.Events, clock, root, StateDirectory);
        Issues = new IssueService(store.Issues, caller, Directives, config.Issues, root, clock);
        Session = session;
        Sessions = new SessionService(store.Sessions, caller, clock, session);
        Git = OpenGit(root, StateDirectory, store.Sessions, caller, session, clock, Sessions);
        StoreAdmin = new StoreAdmin(store, config.Store, StateDirectory, environment, clock);
        // A broken lock's holder is told why, as a message it will find in its inbox.
        Locks.SendHandoff = (lease, body) => Messages.Send(lease.Agent, body, MessageKind.HandoffRequest);
        Locks.OnBroken = (lease, reason) => Messages.Send(lease.Agent,
            $"{caller.Agent} broke your lease {lease.LeaseId} on {string.Join(", ", lease.Resources)}: {reason}", "lock_broken");

        Alerts = new AlertService(config.Alerts, StateDirectory, root, clock);
        Alerts.Attach(Events);
        Leader = new LeaderService(store.Leader, store.Locks, caller, config.Leader, Events, clock);
        Health = new HealthService(root, config.Health, clock, Alerts) { ErrorsSince = Events.ErrorsSince };
        Health.Register(new StoreHealthCheck(store));
        Health.Register(new LeaderHealthCheck(Leader, config.Health));
        Health.Register(new HeartbeatHealthCheck(Leader, config.Health));
        Health.Register(new StaleLockHealthCheck(Locks));
        Health.Register(new OfflineQueueHealthCheck(StateDirectory));
        Health.Register(new AlertOutboxHealthCheck(Alerts));
        Health.Register(new PermissionsHealthCheck(StateDirectory));
        Health.Register(IssueHealth);
        Health.Register(Git.Health);
    }

    public static FastbandProject Open(ProjectOptions options)
    {
        string root = ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory, options.Environment);
        var caller = CallerIdentity.Resolve(options.Agent, options.Environment);
        string state = Path.Combine(root, ProjectLocator.StateFolderName);
        var config = FastbandConfig.Load(state);
        config.Alerts.ReadEnvironment(options.Environment ?? System.Environment.GetEnvironmentVariable);
        var clock = options.Clock ?? TimeProvider.System;
        var environment = options.Environment ?? System.Environment.GetEnvironmentVariable;
        if (options.ExistingStoreOnly && config.Store.SelectPostgres(environment) is null && !File.Exists(StoreFactory.SqlitePath(state)))
            throw new NotFoundException("NoStore",
                $"There is no Fastband store for '{root}' yet (no {Path.Combine(ProjectLocator.StateFolderName, DatabaseFileName)} in it or above it), so there is nothing to read: pass -Project (--project) or set FASTBAND_PROJECT to your team's project, or write something first (any command that writes creates the store).");
        var store = StoreFactory.Open(state, config.Store, environment, clock, options.StoreMayBeOffline);
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
    public FastbandConfig Config { get; }
    public CallerIdentity Caller { get; }
    public TimeProvider Clock { get; }

    public OpsLogService OpsLog { get; }
    public DirectiveBoard Directives { get; }
    public RebuildTracker Rebuilds { get; }
    public AgentRegistry Agents { get; }
    public Coordinator Coordination { get; }
    public LockService Locks { get; }
    public BackupService Backups { get; }
    public MessageService Messages { get; }
    public BoardService Board { get; }
    public IssueService Issues { get; }
    public StoreAdmin StoreAdmin { get; }

    /// <summary>The issues' contribution to <c>fastband health</c> (registered in <see cref="Health"/>): statistics, stale claims, report freshness.</summary>
    public IssueHealthCheck IssueHealth => new(Store.Issues, Store.Agents, Config.Issues, Issues.ReportsDirectory());

    /// <summary>The interaction event log and its snapshots; also where features write events (leader elections, heartbeats, errors).</summary>
    public EventService Events { get; }

    /// <summary>Heartbeats and leader election.</summary>
    public LeaderService Leader { get; }

    /// <summary>Runs every feature's health check; features add theirs with <see cref="HealthService.Register"/>.</summary>
    public HealthService Health { get; }

    /// <summary>Webhook alerts for error events.</summary>
    public AlertService Alerts { get; }

    /// <summary>The caller's session (--session, else FASTBAND_SESSION), or null.</summary>
    public string? Session { get; }
    public SessionService Sessions { get; }
    public GitService Git { get; }

    /// <summary>Waits (at most alerts.exitWait) for alert deliveries under way, then closes the store.</summary>
    public void Dispose()
    {
        Alerts.Dispose();
        Store.Dispose();
    }
}
