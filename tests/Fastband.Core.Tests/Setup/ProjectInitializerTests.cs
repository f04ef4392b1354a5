using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fastband.Core.Backup;
using Fastband.Core.Setup;
using YamlDotNet.Serialization.NamingConventions;
using Xunit;

namespace Fastband.Core.Tests.Setup;

public sealed class ProjectInitializerTests : IDisposable
{
    private readonly TempProject _project = new();
    private readonly string _home;
    private static readonly Launcher TestLauncher = new("/opt/fastband/fastband", Array.Empty<string>());

    public ProjectInitializerTests()
    {
        _home = Path.Combine(_project.Root, "..", Path.GetFileName(_project.Root) + "-home");
        Directory.CreateDirectory(_home);
    }

    public void Dispose()
    {
        _project.Dispose();
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }

    private string State => _project.StateDir;

    /// <summary>Only PATH from the real environment (dotnet for the schedule's PATH); HOME is a scratch folder.</summary>
    private string? Env(string key) => key switch
    {
        "PATH" => Environment.GetEnvironmentVariable("PATH"),
        "HOME" => _home,
        "XDG_CONFIG_HOME" => Path.Combine(_home, ".config"),
        Fastband.Core.Setup.BackupScheduler.CrontabVariable => TestCrontab.Variable,
        _ => null,
    };

    private InitResult Init(bool force = false, bool dryRun = false, string? schedule = null, string[]? wire = null, string? agent = "alice") =>
        ProjectInitializer.Init(new InitOptions
        {
            ProjectPath = _project.Root, Force = force, DryRun = dryRun, Schedule = schedule, Wire = wire, Agent = agent,
            Launcher = TestLauncher, Environment = Env,
        });

    private static string Action(InitResult r, string item, string? pathEnd = null) =>
        r.Items.Single(i => i.Item == item && (pathEnd is null || i.Path.EndsWith(pathEnd, StringComparison.Ordinal))).Action;

    // ---- the config files hold every default ----------------------------------------------------------------

    private static string SectionJson(object settings)
    {
        var node = JsonNode.Parse(FastbandJson.Serialize(settings))!.AsObject();
        node.Remove("configPath"); // where the store section was read from: the file, or nothing
        return node.ToJsonString();
    }

    [Fact]
    public void WrittenConfigYaml_LoadsThroughTheRealLoader_AsExactlyTheDefaults()
    {
        Init();
        var loaded = FastbandConfig.Load(State);
        var defaults = new FastbandConfig();
        Assert.Equal(Path.Combine(State, FastbandConfig.FileName), loaded.Path);
        foreach (var property in typeof(FastbandConfig).GetProperties().Where(p => p.Name != nameof(FastbandConfig.Path)))
            Assert.Equal(SectionJson(property.GetValue(defaults)!), SectionJson(property.GetValue(loaded)!));
    }

    [Fact]
    public void WrittenConfigYaml_NamesEverySettingOfEverySection()
    {
        Init();
        string text = File.ReadAllText(Path.Combine(State, FastbandConfig.FileName));
        var missing = new List<string>();
        foreach (var section in typeof(FastbandConfig).GetProperties().Where(p => p.Name != nameof(FastbandConfig.Path)))
        {
            string sectionKey = char.ToLowerInvariant(section.Name[0]) + section.Name[1..];
            if (!Regex.IsMatch(text, $"^{sectionKey}:", RegexOptions.Multiline)) missing.Add(sectionKey);
            // Every setting is a property with a public setter (or, like events.headings, a settable map).
            foreach (var setting in section.PropertyType.GetProperties().Where(p => p.SetMethod?.IsPublic == true || p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>)))
            {
                string key = char.ToLowerInvariant(setting.Name[0]) + setting.Name[1..];
                if (!Regex.IsMatch(text, $@"^  (# )?{key}:", RegexOptions.Multiline)) missing.Add($"{sectionKey}.{key}");
            }
        }
        Assert.Empty(missing);
    }

    [Fact]
    public void WrittenBackupConfig_LoadsThroughTheRealLoader_AsExactlyTheDefaults()
    {
        Init();
        var loaded = BackupConfig.Load(_project.Root, State, _ => null);
        Assert.Equal(FastbandJson.Serialize(new BackupConfig()), FastbandJson.Serialize(loaded));
    }

    [Fact]
    public void WrittenBackupConfig_NamesEveryField()
    {
        Init();
        string text = File.ReadAllText(Path.Combine(State, BackupConfig.FileName));
        var raw = typeof(BackupConfig).GetNestedType("Raw", BindingFlags.NonPublic)!;
        var rawDatabase = typeof(BackupConfig).GetNestedType("RawDatabase", BindingFlags.NonPublic)!;
        var missing = raw.GetProperties().Select(p => UnderscoredNamingConvention.Instance.Apply(p.Name))
            .Where(k => !Regex.IsMatch(text, $"^(# )?{k}:", RegexOptions.Multiline))
            .Concat(rawDatabase.GetProperties().Select(p => p.Name == "PasswordEnv" ? "passwordEnv" : UnderscoredNamingConvention.Instance.Apply(p.Name))
                .Where(k => !Regex.IsMatch(text, $"^#   {k}:", RegexOptions.Multiline)).Select(k => "database." + k))
            .ToList();
        Assert.True(raw.GetProperties().Length > 15, "the Raw shape was not found by reflection");
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryWrittenFile_StartsWithTheMarker()
    {
        Init(schedule: ScheduleKind.Systemd, wire: new[] { "codex" });
        foreach (string path in new[] { Path.Combine(State, "config.yaml"), Path.Combine(State, "backup_config.yaml") }
                     .Concat(Directory.GetFiles(Path.Combine(_home, ".config", "systemd", "user"))))
            Assert.StartsWith("# written by fastband init ", File.ReadAllText(path));
        Assert.StartsWith("# written by fastband init", File.ReadAllText(Path.Combine(_project.Root, ".codex", "config.toml")));
    }

    // ---- idempotence, kept, --force, --dry-run --------------------------------------------------------------

    [Fact]
    public void FirstRunCreates_SecondRunChangesNothing_AndSaysSo()
    {
        var first = Init();
        Assert.All(first.Items, i => Assert.Equal(InitAction.Created, i.Action));
        Assert.True(File.Exists(Path.Combine(State, FastbandProject.DatabaseFileName)));
        var before = Snapshot();
        var second = Init();
        Assert.All(second.Items, i => Assert.Equal(InitAction.Unchanged, i.Action));
        Assert.False(second.Changed);
        Assert.Contains("nothing changed", second.Message);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void AnEditedFile_IsKept_AndForceRewritesIt_OnlyWhileItCarriesTheMarker()
    {
        Init();
        string config = Path.Combine(State, FastbandConfig.FileName);
        File.AppendAllText(config, "# my note\n");
        Assert.Equal(InitAction.Kept, Action(Init(), "config"));
        Assert.EndsWith("# my note\n", File.ReadAllText(config));

        Assert.Equal(InitAction.Rewritten, Action(Init(force: true), "config"));
        Assert.Equal(ConfigTemplates.Config(), File.ReadAllText(config));

        // Without the marker the file is the user's: --force leaves it alone.
        File.WriteAllText(config, "opsLog:\n  retentionDays: 7\n");
        var forced = Init(force: true);
        Assert.Equal(InitAction.Kept, Action(forced, "config"));
        Assert.Equal(InitAction.Unchanged, Action(forced, "backupConfig"));
        Assert.Equal("opsLog:\n  retentionDays: 7\n", File.ReadAllText(config));
    }

    [Fact]
    public void DryRun_WritesNothing_AndShowsWhatItWouldWrite()
    {
        var r = Init(dryRun: true, schedule: ScheduleKind.Systemd, wire: new[] { "claude", "codex" });
        Assert.True(r.DryRun);
        Assert.Empty(Directory.GetFileSystemEntries(_project.Root));
        Assert.False(Directory.Exists(Path.Combine(_home, ".config")));
        Assert.Equal(ConfigTemplates.Config(), r.Items.Single(i => i.Item == "config").Content);
        Assert.Contains("[mcp_servers.fastband]", r.Items.Single(i => i.Path.EndsWith("config.toml")).Content);
        Assert.All(r.Items, i => Assert.Equal(InitAction.Created, i.Action));
    }

    // ---- agent wiring ---------------------------------------------------------------------------------------

    [Fact]
    public void Claude_MergesIntoExistingFiles_KeepingEveryOtherKeyServerAndHook()
    {
        File.WriteAllText(Path.Combine(_project.Root, ".mcp.json"), """
            { "mcpServers": { "github": { "command": "npx", "args": ["-y", "gh"] } }, "other": 1 }
            """);
        Directory.CreateDirectory(Path.Combine(_project.Root, ".claude"));
        File.WriteAllText(Path.Combine(_project.Root, ".claude", "settings.json"), """
            { "permissions": { "allow": ["Bash(ls)"] },
              "hooks": { "PreToolUse": [ { "matcher": "Bash", "hooks": [ { "type": "command", "command": "echo hi" } ] } ],
                         "Stop": [ { "hooks": [ { "type": "command", "command": "say done" } ] } ] } }
            """);
        var r = Init(wire: new[] { "claude" });
        Assert.Equal(InitAction.Added, Action(r, "mcpServer"));
        Assert.Equal(InitAction.Added, Action(r, "hook"));

        var mcp = JsonNode.Parse(File.ReadAllText(Path.Combine(_project.Root, ".mcp.json")))!;
        Assert.Equal(1, (int)mcp["other"]!);
        Assert.Equal("npx", (string)mcp["mcpServers"]!["github"]!["command"]!);
        Assert.Equal(TestLauncher.Command, (string)mcp["mcpServers"]!["fastband"]!["command"]!);
        Assert.Equal(new[] { "mcp", "--agent", "alice", "--project", _project.Root },
            mcp["mcpServers"]!["fastband"]!["args"]!.AsArray().Select(a => (string)a!).ToArray());

        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(_project.Root, ".claude", "settings.json")))!;
        Assert.Equal("Bash(ls)", (string)settings["permissions"]!["allow"]![0]!);
        Assert.Equal("say done", (string)settings["hooks"]!["Stop"]![0]!["hooks"]![0]!["command"]!);
        var pre = settings["hooks"]!["PreToolUse"]!.AsArray();
        Assert.Equal(2, pre.Count);
        Assert.Equal("Bash", (string)pre[0]!["matcher"]!);
        Assert.Equal("Edit|Write|MultiEdit|NotebookEdit", (string)pre[1]!["matcher"]!);
        Assert.Equal($"/opt/fastband/fastband hook pre-tool-use --agent alice --project {_project.Root}", (string)pre[1]!["hooks"]![0]!["command"]!);

        var again = Init(wire: new[] { "claude" });
        Assert.Equal(InitAction.Unchanged, Action(again, "mcpServer"));
        Assert.Equal(InitAction.Unchanged, Action(again, "hook"));
        Assert.Equal(2, JsonNode.Parse(File.ReadAllText(Path.Combine(_project.Root, ".claude", "settings.json")))!["hooks"]!["PreToolUse"]!.AsArray().Count);

        // Another agent name: Fastband's entries differ, so they are kept, and --force replaces only them.
        var bob = Init(wire: new[] { "claude" }, agent: "bob");
        Assert.Equal(InitAction.Kept, Action(bob, "hook"));
        var forced = Init(wire: new[] { "claude" }, agent: "bob", force: true);
        Assert.Equal(InitAction.Rewritten, Action(forced, "hook"));
        Assert.Equal(InitAction.Rewritten, Action(forced, "mcpServer"));
        settings = JsonNode.Parse(File.ReadAllText(Path.Combine(_project.Root, ".claude", "settings.json")))!;
        pre = settings["hooks"]!["PreToolUse"]!.AsArray();
        Assert.Equal(2, pre.Count);
        Assert.Contains("--agent bob", (string)pre[1]!["hooks"]![0]!["command"]!);
        Assert.Equal("echo hi", (string)pre[0]!["hooks"]![0]!["command"]!);
    }

    [Fact]
    public void MalformedJson_IsRefusedWithItsLine_AndNothingIsWritten()
    {
        string mcp = Path.Combine(_project.Root, ".mcp.json");
        File.WriteAllText(mcp, "{\n  \"mcpServers\": {\n    \"x\": ,\n  }\n}\n");
        var e = Assert.Throws<InvalidInputException>(() => Init(wire: new[] { "claude" }, schedule: ScheduleKind.Systemd));
        Assert.Equal("InvalidAgentConfig", e.ErrorId);
        Assert.Contains(".mcp.json, line 3", e.Message);
        Assert.Equal(new[] { mcp }, Directory.GetFileSystemEntries(_project.Root));
        Assert.False(Directory.Exists(Path.Combine(_home, ".config")));
    }

    [Fact]
    public void ABrokenConfigYaml_StopsInit_BeforeAnythingIsWritten()
    {
        Directory.CreateDirectory(State);
        File.WriteAllText(Path.Combine(State, "config.yaml"), "nosuchsection:\n  x: 1\n");
        var e = Assert.Throws<InvalidInputException>(() => Init(wire: new[] { "claude" }));
        Assert.Equal("InvalidConfig", e.ErrorId);
        Assert.Equal(new[] { Path.Combine(State, "config.yaml") }, Directory.GetFiles(_project.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Wiring_WithoutAnAgentName_IsRefused()
    {
        var e = Assert.Throws<InvalidInputException>(() => Init(wire: new[] { "claude" }, agent: null));
        Assert.Equal("WireNeedsAgent", e.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_project.Root));
        Assert.Equal("InvalidWireTarget", Assert.Throws<InvalidInputException>(() => Init(wire: new[] { "cursor" })).ErrorId);
    }

    [Fact]
    public void Codex_AppendsItsTable_KeepsTheRest_AndLeavesAForeignTableAlone()
    {
        string path = Path.Combine(_project.Root, ".codex", "config.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string original = "model = \"o4\"\n\n[mcp_servers.github]\ncommand = \"npx\"\nargs = [\"gh\"]\n";
        File.WriteAllText(path, original);
        Assert.Equal(InitAction.Added, Action(Init(wire: new[] { "codex" }), "mcpServer"));
        string text = File.ReadAllText(path);
        Assert.StartsWith(original, text);
        Assert.EndsWith($"[mcp_servers.fastband]\ncommand = \"/opt/fastband/fastband\"\nargs = [\"mcp\", \"--agent\", \"alice\", \"--project\", \"{_project.Root}\"]\n", text);
        Assert.Equal(InitAction.Unchanged, Action(Init(wire: new[] { "codex" }), "mcpServer"));
        Assert.Equal(text, File.ReadAllText(path));

        // --force with another name rewrites Fastband's table in place.
        Assert.Equal(InitAction.Rewritten, Action(Init(wire: new[] { "codex" }, agent: "bob", force: true), "mcpServer"));
        Assert.Contains("\"--agent\", \"bob\"", File.ReadAllText(path));
        Assert.StartsWith(original, File.ReadAllText(path));

        // A table the user wrote (no marker) is theirs, with or without --force.
        File.WriteAllText(path, "[mcp_servers.fastband]\ncommand = \"mine\"\n");
        Assert.Equal(InitAction.Kept, Action(Init(wire: new[] { "codex" }, force: true), "mcpServer"));
        Assert.Equal("[mcp_servers.fastband]\ncommand = \"mine\"\n", File.ReadAllText(path));
        File.WriteAllText(path, "[mcp_servers]\nfastband = { command = \"mine\" }\n");
        Assert.Equal(InitAction.Kept, Action(Init(wire: new[] { "codex" }), "mcpServer"));
    }

    // ---- schedule -------------------------------------------------------------------------------------------

    [Fact]
    public void CronLine_RunsHourlyAtTheMinuteOfDailyTime_AndNamesTheProject()
    {
        var scheduler = new BackupScheduler(_project.Root, Env);
        string line = scheduler.CronLine(TestLauncher, new BackupConfig { DailyTime = new TimeOnly(3, 17) });
        Assert.StartsWith("17 * * * * ", line);
        Assert.Contains($"/opt/fastband/fastband backup run-scheduled --project {_project.Root} --agent scheduler >/dev/null", line);
        Assert.EndsWith("# fastband backup schedule for " + _project.Root, line);
    }

    [Fact]
    public void TheScheduleFollowsTheBackupConfigThatStays_AndTheDefaultsWhenForceRewritesIt()
    {
        Init();
        string path = Path.Combine(State, BackupConfig.FileName);
        File.WriteAllText(path, File.ReadAllText(path).Replace("daily_time: \"02:00\"", "daily_time: \"03:45\""));
        var kept = Init(schedule: ScheduleKind.Cron, dryRun: true);
        Assert.Equal(InitAction.Kept, Action(kept, "backupConfig"));
        Assert.StartsWith("45 * * * * ", kept.Items.Single(i => i.Item == "schedule").Content);
        var forced = Init(schedule: ScheduleKind.Cron, dryRun: true, force: true);
        Assert.Equal(InitAction.Rewritten, Action(forced, "backupConfig"));
        Assert.StartsWith("0 * * * * ", forced.Items.Single(i => i.Item == "schedule").Content);
    }

    [Fact]
    public void Systemd_WritesServiceAndTimer_ShowFindsThem_RemoveDeletesThem()
    {
        var r = Init(schedule: ScheduleKind.Systemd);
        var scheduler = new BackupScheduler(_project.Root, Env);
        Assert.Equal(InitAction.Created, Action(r, "schedule", ".service"));
        Assert.Equal(InitAction.Created, Action(r, "schedule", ".timer"));
        string timer = File.ReadAllText(scheduler.TimerPath);
        Assert.Contains("OnCalendar=*-*-* *:00:00", timer);
        Assert.Contains("Persistent=true", timer);
        Assert.Contains($"ExecStart=\"/opt/fastband/fastband\" \"backup\" \"run-scheduled\" \"--project\" \"{_project.Root}\"", File.ReadAllText(scheduler.ServicePath));
        Assert.Contains("systemctl --user", r.Items.Single(i => i.Path.EndsWith(".timer")).Message);
        Assert.Equal(InitAction.Unchanged, Action(Init(schedule: ScheduleKind.Systemd), "schedule", ".timer"));

        var shown = scheduler.Show();
        Assert.Equal(new[] { scheduler.TimerPath, scheduler.ServicePath }, shown.Entries.Where(e => e.Path != "crontab").Select(e => e.Path).ToArray());
        var dry = scheduler.Remove(dryRun: true);
        Assert.True(File.Exists(scheduler.TimerPath));
        Assert.Equal(2, dry.Entries.Count(e => e.Path != "crontab"));
        scheduler.Remove(dryRun: false);
        Assert.False(File.Exists(scheduler.TimerPath));
        Assert.False(File.Exists(scheduler.ServicePath));
        Assert.DoesNotContain(scheduler.Show().Entries, e => e.Path != "crontab");
    }

    [Fact]
    public void Windows_OffWindows_IsRefusedUnlessDryRun()
    {
        if (OperatingSystem.IsWindows()) return;
        var e = Assert.Throws<InvalidInputException>(() => Init(schedule: ScheduleKind.Windows));
        Assert.Equal("ScheduleNotHere", e.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(_project.Root));
        var dry = Init(schedule: ScheduleKind.Windows, dryRun: true);
        string script = dry.Items.Single(i => i.Item == "schedule").Content!;
        Assert.Contains("Register-ScheduledTask", script);
        Assert.Contains("-RepetitionInterval (New-TimeSpan -Hours 1)", script);
        Assert.Empty(Directory.GetFileSystemEntries(_project.Root));
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(_project.Root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("fastband.db"))
            .ToDictionary(f => f, File.ReadAllText);
}
