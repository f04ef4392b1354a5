using Fastband.Core.Backup;

namespace Fastband.Core.Setup;

/// <summary>What <see cref="ProjectInitializer.Init"/> should do. The front ends fill it from their arguments.</summary>
public sealed record InitOptions
{
    /// <summary>--project / -Project; default: FASTBAND_PROJECT, else the nearest folder up holding .fastband/, else the current folder.</summary>
    public string? ProjectPath { get; init; }

    public string CurrentDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>The agent name written into the agent configs (--agent / -Agent, else FASTBAND_AGENT, AGENT_ID); needed with <see cref="Wire"/>.</summary>
    public string? Agent { get; init; }

    /// <summary>Rewrite what init made before (files carrying its marker, its own entries) when they differ.</summary>
    public bool Force { get; init; }

    /// <summary>Say what would be written and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>none (default), cron, systemd or windows.</summary>
    public string? Schedule { get; init; }

    /// <summary>The agents to wire: claude, codex (each may be a comma-separated list).</summary>
    public IReadOnlyList<string>? Wire { get; init; }

    /// <summary>How schedulers and agents start Fastband; needed with a schedule or wiring.</summary>
    public Launcher? Launcher { get; init; }

    public Func<string, string?>? Environment { get; init; }
}

/// <summary>
/// <c>fastband init</c>: makes a folder a Fastband project. Creates .fastband/ with a commented config.yaml and
/// backup_config.yaml holding every default, creates the store, and optionally installs the backup schedule and
/// wires agents (Claude Code, Codex) to the MCP server and the pre-tool-use hook. Idempotent: a second run
/// changes nothing and says so per item. Every input is checked and every existing file read before anything is
/// written, so bad input (a malformed .mcp.json, an unknown agent) writes nothing.
/// </summary>
public static class ProjectInitializer
{
    public static InitResult Init(InitOptions options)
    {
        var environment = options.Environment ?? System.Environment.GetEnvironmentVariable;
        string root = ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory, environment);
        string state = Path.Combine(root, ProjectLocator.StateFolderName);
        string schedule = ScheduleKind.Names.Normalize(string.IsNullOrWhiteSpace(options.Schedule) ? ScheduleKind.None : options.Schedule);
        var wire = AgentKind.Names.NormalizeFilter(options.Wire) ?? Array.Empty<string>();

        string? agent = null;
        if (wire.Count > 0)
        {
            var caller = CallerIdentity.Resolve(options.Agent, environment);
            if (caller.IsDefaulted)
                throw new InvalidInputException("WireNeedsAgent",
                    "Wiring an agent needs its name, which its MCP server and hook act as: pass --agent NAME (-Agent) or set FASTBAND_AGENT.");
            agent = caller.Agent;
        }
        Launcher? launcher = options.Launcher;
        if (launcher is null && (wire.Count > 0 || schedule != ScheduleKind.None))
            throw new InvalidInputException("NoLauncher",
                $"The schedule and the agent configs run fastband, and its path is unknown here: set {Launcher.Variable} to the fastband command (the ./fastband script of a checkout) or put fastband on PATH.");

        // Plan everything first: a file that does not parse, or a schedule this machine cannot install, stops here.
        var planned = new List<(InitItem Item, Action? Apply)>();
        string configPath = Path.Combine(state, FastbandConfig.FileName);
        string jsonConfig = Path.Combine(state, FastbandConfig.JsonFileName);
        if (File.Exists(jsonConfig) && !File.Exists(configPath))
            planned.Add((new InitItem { Item = "config", Path = jsonConfig, Action = InitAction.Kept,
                Message = "the project keeps its settings in config.json; writing config.yaml beside it would refuse both, so none was written" }, null));
        else
            planned.Add(PlanManaged("config", configPath, ConfigTemplates.Config(), options.Force));
        var backupPlan = PlanManaged("backupConfig", Path.Combine(state, BackupConfig.FileName), ConfigTemplates.BackupConfig(), options.Force);
        planned.Add(backupPlan);

        // The store comes after the files: it is created as the settings written (or kept) say. A config.yaml that
        // is there already is read now, so a broken one stops init before anything is written.
        string dbPath = Path.Combine(state, FastbandProject.DatabaseFileName);
        int storeIndex = planned.Count;
        var existing = FastbandConfig.Load(state);
        planned.Add((existing.Store.SelectPostgres(environment) is { } postgres
            ? new InitItem { Item = "store", Path = postgres.Location, Action = InitAction.Unchanged, Message = $"the PostgreSQL store chosen by {existing.Store.SelectedBy(environment)}: its tables are created when missing" }
            : new InitItem { Item = "store", Path = dbPath, Action = File.Exists(dbPath) ? InitAction.Unchanged : InitAction.Created }, null));

        if (schedule != ScheduleKind.None)
        {
            // The cadence comes from the backup settings as they will be after this run: the defaults when init writes
            // the file now (created, or rewritten by --force), else the file that stays.
            bool writesBackupConfig = backupPlan.Item.Action is InitAction.Created or InitAction.Rewritten;
            var backupConfig = writesBackupConfig ? new BackupConfig() : BackupConfig.Load(root, state, environment);
            planned.AddRange(new BackupScheduler(root, environment).Plan(schedule, launcher!, backupConfig, options.Force, options.DryRun));
        }
        foreach (string kind in wire)
            foreach (var file in AgentWiring.Plan(kind, root, launcher!, agent!, options.Force))
                planned.Add((file.Item, file.Item.Changes ? file.Apply : null));

        if (options.DryRun)
            return new InitResult { Project = root, DryRun = true, Items = planned.Select(p => p.Item).ToArray() };

        var done = new List<InitItem>();
        for (int i = 0; i < planned.Count; i++)
        {
            var (item, apply) = planned[i];
            if (i == storeIndex)
            {
                done.Add(OpenStore(root, environment, item));
                continue;
            }
            if (item.Path.StartsWith(state, StringComparison.Ordinal)) OwnerOnly.EnsureFolder(state);
            apply?.Invoke();
            done.Add(item);
        }
        return new InitResult { Project = root, DryRun = false, Items = done };
    }

    private static (InitItem Item, Action? Apply) PlanManaged(string item, string path, string text, bool force)
    {
        var (action, message) = ManagedFile.Plan(path, text, force);
        bool writes = action is InitAction.Created or InitAction.Rewritten;
        return (new InitItem { Item = item, Path = path, Action = action, Message = message, Content = text }, writes ? () => ManagedFile.Write(path, text) : null);
    }

    /// <summary>Opens the project the normal way, which creates the store (SQLite file or PostgreSQL tables) when it is not there.</summary>
    private static InitItem OpenStore(string root, Func<string, string?> environment, InitItem planned)
    {
        using var project = FastbandProject.Open(new ProjectOptions { ProjectPath = root, CurrentDirectory = root, Environment = environment });
        string location = project.Store.Location;
        return planned with
        {
            Path = project.Store is Store.SqliteStore ? planned.Path : location,
            Action = project.CreatedStore ? InitAction.Created : InitAction.Unchanged,
            Message = project.Store is Store.SqliteStore ? null : $"the {project.Config.Store.SelectedBy(environment)} store {location}",
        };
    }
}
