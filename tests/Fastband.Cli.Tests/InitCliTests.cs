using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fastband.Core.Tests;
using Xunit;

namespace Fastband.Cli.Tests;

/// <summary>
/// `fastband init` and `fastband backup schedule show|remove` end to end, as real processes. The cron tests use the
/// machine's real crontab: the current one is saved first and put back afterwards, and the entries they add are tagged
/// with a scratch project's path, so nothing of anyone else's is touched or left behind. On a machine without cron
/// they use a stand-in crontab script (TestCrontab) through FASTBAND_CRONTAB.
/// </summary>
public sealed class InitCliTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _home;
    private readonly string _launcher;

    public InitCliTests()
    {
        _home = _cli.Root + "-home";
        Directory.CreateDirectory(_home);
        _launcher = Path.Combine(_home, "fastband-launcher");
        File.WriteAllText(_launcher, "#!/bin/sh\nexec " + CliRunner.ShellCommand + " \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose()
    {
        _cli.Dispose();
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }

    /// <summary>HOME and XDG_CONFIG_HOME in a scratch folder (systemd units go there), and the launcher named.</summary>
    private Dictionary<string, string> Env(bool launcher = true)
    {
        var env = new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config") };
        if (launcher) env["FASTBAND_LAUNCHER"] = _launcher;
        if (Fastband.Core.Tests.Setup.TestCrontab.Variable is { } fake) env["FASTBAND_CRONTAB"] = fake;
        return env;
    }

    private CliRunner.Result Fb(params string[] args) => _cli.RunIn(null, Env(), args);

    private string P(params string[] parts) => Path.Combine(new[] { _cli.Root }.Concat(parts).ToArray());

    private static Dictionary<string, string> Actions(CliRunner.Result r) =>
        r.Json.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("item").GetString() + ":" + Path.GetFileName(i.GetProperty("path").GetString()), i => i.GetProperty("action").GetString()!);

    private Dictionary<string, string> Files() =>
        Directory.GetFiles(_cli.Root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("fastband.db"))
            .ToDictionary(f => f, File.ReadAllText);

    [Fact]
    public void FreshFolder_IsInitialized_AndASecondRunChangesNothingAndSaysSo()
    {
        var first = Fb("init");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Matches(@"(?m)^created\s+config\s+.*config\.yaml$", first.Stdout);
        Assert.Matches(@"(?m)^created\s+backupConfig\s+.*backup_config\.yaml$", first.Stdout);
        Assert.Matches(@"(?m)^created\s+store\s+.*fastband\.db$", first.Stdout);
        Assert.True(File.Exists(_cli.Db));
        Assert.StartsWith("# written by fastband init ", File.ReadAllText(P(".fastband", "config.yaml")));
        var before = Files();

        var second = Fb("init", "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.All(Actions(second).Values, a => Assert.Equal("unchanged", a));
        Assert.False(second.Json.GetProperty("changed").GetBoolean());
        Assert.Contains("nothing changed", second.Json.GetProperty("message").GetString());
        Assert.Equal(before, Files());

        // The files work: every other command reads them.
        var ops = Fb("--agent", "alice", "ops", "check");
        Assert.True(ops.ExitCode == 0, ops.ToString());
        var backupStatus = Fb("backup", "status");
        Assert.True(backupStatus.ExitCode == 0, backupStatus.ToString());
    }

    private static string[] Names(Type type) =>
        type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    private static string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    [Fact]
    public void Json_HasThePowerShellObjectsPropertyNames()
    {
        var r = Fb("init", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(Names(typeof(Fastband.Core.Setup.InitResult)), Keys(r.Json));
        Assert.Equal(Names(typeof(Fastband.Core.Setup.InitItem)), Keys(r.Json.GetProperty("items")[0]));
        var show = Fb("backup", "schedule", "show", "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Equal(Names(typeof(Fastband.Core.Setup.ScheduleReport)), Keys(show.Json));
    }

    [Fact]
    public void Force_RewritesAMarkedFile_AndKeepsOneWithoutTheMarker()
    {
        Assert.Equal(0, Fb("init").ExitCode);
        string config = P(".fastband", "config.yaml"), backup = P(".fastband", "backup_config.yaml");
        File.AppendAllText(config, "# edited\n");
        File.WriteAllText(backup, "daily_time: \"03:30\"\n");

        var kept = Fb("init", "--json");
        Assert.Equal("kept", Actions(kept)["config:config.yaml"]);
        Assert.Equal("kept", Actions(kept)["backupConfig:backup_config.yaml"]);
        Assert.EndsWith("# edited\n", File.ReadAllText(config));

        var forced = Fb("init", "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Matches(@"(?m)^rewritten\s+config\s", forced.Stdout);
        Assert.Matches(@"(?m)^kept\s+backupConfig\s", forced.Stdout);
        Assert.DoesNotContain("# edited", File.ReadAllText(config));
        Assert.Equal("daily_time: \"03:30\"\n", File.ReadAllText(backup));
    }

    [Fact]
    public void DryRun_PrintsWhatItWouldWrite_AndWritesNothing()
    {
        var r = Fb("--agent", "alice", "init", "--dry-run", "--wire", "claude", "--wire", "codex", "--schedule", "systemd");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(_cli.Root));
        Assert.False(Directory.Exists(Path.Combine(_home, ".config")));
        Assert.Matches(@"(?m)^would create\s+config\s", r.Stdout);
        Assert.Contains("    | opsLog:", r.Stdout);
        Assert.Contains("    | [mcp_servers.fastband]", r.Stdout);
        Assert.Contains("    | OnCalendar=*-*-* *:00:00", r.Stdout);
        Assert.Contains("\"matcher\": \"Edit|Write|MultiEdit|NotebookEdit\"", r.Stdout);
        Assert.Contains("Dry run: nothing was written", r.Stdout);
    }

    [Fact]
    public void Claude_MergesIntoExistingMcpJsonAndSettings_KeepingOtherKeys_NoDuplicateOnASecondRun()
    {
        File.WriteAllText(P(".mcp.json"), "{\n  \"mcpServers\": { \"other\": { \"command\": \"node\", \"args\": [\"srv.js\"] } }\n}\n");
        Directory.CreateDirectory(P(".claude"));
        File.WriteAllText(P(".claude", "settings.json"),
            "{ \"model\": \"opus\", \"hooks\": { \"PreToolUse\": [ { \"matcher\": \"Bash\", \"hooks\": [ { \"type\": \"command\", \"command\": \"./guard.sh\" } ] } ] } }\n");
        var r = Fb("--agent", "alice", "init", "--wire", "claude", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("added", Actions(r)["mcpServer:.mcp.json"]);
        Assert.Equal("added", Actions(r)["hook:settings.json"]);

        var mcp = JsonNode.Parse(File.ReadAllText(P(".mcp.json")))!["mcpServers"]!;
        Assert.Equal("node", (string)mcp["other"]!["command"]!);
        Assert.Equal(_launcher, (string)mcp["fastband"]!["command"]!);
        Assert.Equal(new[] { "mcp", "--agent", "alice", "--project", _cli.Root }, mcp["fastband"]!["args"]!.AsArray().Select(a => (string)a!));
        var settings = JsonNode.Parse(File.ReadAllText(P(".claude", "settings.json")))!;
        Assert.Equal("opus", (string)settings["model"]!);
        var pre = settings["hooks"]!["PreToolUse"]!.AsArray();
        Assert.Equal(new[] { "Bash", "Edit|Write|MultiEdit|NotebookEdit" }, pre.Select(g => (string)g!["matcher"]!));
        Assert.Equal("command", (string)pre[1]!["hooks"]![0]!["type"]!);
        Assert.Equal($"{_launcher} hook pre-tool-use --agent alice --project {_cli.Root}", (string)pre[1]!["hooks"]![0]!["command"]!);

        var again = Fb("--agent", "alice", "init", "--wire", "claude", "--json");
        Assert.Equal("unchanged", Actions(again)["mcpServer:.mcp.json"]);
        Assert.Equal("unchanged", Actions(again)["hook:settings.json"]);
        Assert.Equal(2, JsonNode.Parse(File.ReadAllText(P(".claude", "settings.json")))!["hooks"]!["PreToolUse"]!.AsArray().Count);
    }

    /// <summary>Runs a command line as Claude Code runs a hook command: through the shell, the tool call as JSON on stdin.</summary>
    private ChildProcess.Output RunHook(string command, string payload)
    {
        var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", command })
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _cli.Root,
        };
        foreach (var key in new[] { "FASTBAND_AGENT", "FASTBAND_PROJECT", "AGENT_ID", "FASTBAND_STORE" }) psi.Environment.Remove(key);
        using var p = ChildProcess.Start(psi);
        p.StandardInput.Write(payload);
        p.StandardInput.Close();
        return p.WaitForOutput("the hook command");
    }

    [Fact]
    public void TheWrittenHookCommand_BlocksAnEditWhileAHoldCoversTheAgent_AndAllowsItOtherwise()
    {
        var r = Fb("--agent", "alice", "init", "--wire", "claude");
        Assert.True(r.ExitCode == 0, r.ToString());
        var settings = JsonNode.Parse(File.ReadAllText(P(".claude", "settings.json")))!;
        string command = (string)settings["hooks"]!["PreToolUse"]![0]!["hooks"]![0]!["command"]!;
        string payload = new JsonObject
        {
            ["hook_event_name"] = "PreToolUse", ["session_id"] = "s1", ["cwd"] = _cli.Root, ["tool_name"] = "Write",
            ["tool_input"] = new JsonObject { ["file_path"] = P("src", "app.py"), ["content"] = "x" },
        }.ToJsonString();

        var allowed = RunHook(command, payload);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());

        var hold = Fb("--agent", "ops", "ops", "hold", "release freeze");
        Assert.True(hold.ExitCode == 0, hold.ToString());
        var blocked = RunHook(command, payload);
        Assert.True(blocked.ExitCode == 2, blocked.ToString());
        Assert.Contains("release freeze", blocked.Stderr);
    }

    [Fact]
    public void WithoutFastbandLauncher_TheRunningExecutableIsWritten()
    {
        var r = _cli.RunIn(null, Env(launcher: false), "--agent", "alice", "init", "--wire", "claude");
        Assert.True(r.ExitCode == 0, r.ToString());
        var entry = JsonNode.Parse(File.ReadAllText(P(".mcp.json")))!["mcpServers"]!["fastband"]!;
        if (CliRunner.Executable is { } exe)
        {
            // The native executable: itself, then Fastband's arguments.
            Assert.Equal(exe, (string)entry["command"]!);
            Assert.Equal("mcp", (string)entry["args"]![0]!);
            return;
        }
        // As `dotnet fastband.dll`: the dotnet host and the dll, then Fastband's arguments.
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension((string)entry["command"]!));
        Assert.Equal(CliRunner.CliDll, (string)entry["args"]![0]!);
        Assert.Equal("mcp", (string)entry["args"]![1]!);
    }

    [Fact]
    public void MalformedJson_Exits2_NamingTheFileAndLine_AndWritesNothing()
    {
        Directory.CreateDirectory(P(".claude"));
        File.WriteAllText(P(".claude", "settings.json"), "{\n  \"hooks\": {\n    \"PreToolUse\": [ }\n}\n");
        var before = Files();
        var r = Fb("--agent", "alice", "init", "--wire", "claude");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("settings.json, line 3", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Equal(before, Files());
        Assert.False(Directory.Exists(P(".fastband")));
    }

    [Fact]
    public void Wire_WithoutAnAgentName_Exits2()
    {
        var r = Fb("init", "--wire", "claude");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--agent", r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_cli.Root));
    }

    [Fact]
    public void Codex_MergesItsTableIntoConfigToml_KeepingTheRest()
    {
        Directory.CreateDirectory(P(".codex"));
        string original = "model = \"o4\"\n\n[mcp_servers.docs]\ncommand = \"docs-server\"\n";
        File.WriteAllText(P(".codex", "config.toml"), original);
        var r = Fb("--agent", "alice", "init", "--wire", "codex");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"(?m)^added\s+mcpServer\s+.*config\.toml$", r.Stdout);
        string text = File.ReadAllText(P(".codex", "config.toml"));
        Assert.StartsWith(original, text);
        Assert.Contains($"[mcp_servers.fastband]\ncommand = \"{_launcher}\"\nargs = [\"mcp\", \"--agent\", \"alice\", \"--project\", \"{_cli.Root}\"]\n", text);
        var again = Fb("--agent", "alice", "init", "--wire", "codex", "--json");
        Assert.Equal("unchanged", Actions(again)["mcpServer:config.toml"]);
        Assert.Equal(text, File.ReadAllText(P(".codex", "config.toml")));
    }

    [Fact]
    public void Systemd_UnitsAreWritten_ShownAndRemoved()
    {
        var r = Fb("init", "--schedule", "systemd", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        string dir = Path.Combine(_home, ".config", "systemd", "user");
        var units = Directory.GetFiles(dir).Select(Path.GetFileName).OrderBy(n => n).ToArray();
        Assert.Equal(2, units.Length);
        Assert.Matches(@"^fastband-backup-fastband-cli-[0-9a-f]+-[0-9a-f]{8}\.service$", units[0]);
        Assert.EndsWith(".timer", units[1]);

        var show = Fb("backup", "schedule", "show", "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Equal(2, show.Json.GetProperty("entries").GetArrayLength());
        var remove = Fb("backup", "schedule", "remove");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.Empty(Directory.GetFiles(dir));
        Assert.Contains("No backup schedule", Fb("backup", "schedule", "show").Stdout);
    }

    [Fact]
    public void Windows_OffWindows_Exits2UnlessDryRun()
    {
        if (OperatingSystem.IsWindows()) return;
        var r = Fb("init", "--schedule", "windows");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--dry-run", r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_cli.Root));
        var dry = Fb("init", "--schedule", "windows", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("Register-ScheduledTask", dry.Stdout);
    }

    [Fact]
    public void Cron_AddsOneTaggedLine_ThatRunsTheScheduledBackup_AndRemoveTakesOnlyIt()
    {
        using var crontab = new SavedCrontab();
        crontab.Write("# an unrelated line the tests must keep\n");
        var r = _cli.RunIn(null, Env(launcher: false), "init", "--schedule", "cron");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = SavedCrontab.Read();
        Assert.Equal("# an unrelated line the tests must keep", lines[0]);
        string ours = Assert.Single(lines, l => l.EndsWith("# fastband backup schedule for " + _cli.Root, StringComparison.Ordinal));
        Assert.Matches(@"^0 \* \* \* \* ", ours);
        Assert.Contains("backup run-scheduled --project " + _cli.Root, ours);

        var again = _cli.RunIn(null, Env(launcher: false), "init", "--schedule", "cron", "--json");
        Assert.Equal("unchanged", Actions(again)["schedule:crontab"]);
        Assert.Equal(lines, SavedCrontab.Read());

        // The line runs as cron would run it: its command through /bin/sh (past the five time fields).
        string command = string.Join(' ', ours.Split(' ').Skip(5));
        var run = ChildProcess.Run(new ProcessStartInfo("/bin/sh", new[] { "-c", command }) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" });
        Assert.True(run.ExitCode == 0, run.Stderr);
        var list = Fb("backup", "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.True(list.Json.GetArrayLength() >= 1, "the scheduled run made no backup: " + list.Stdout);

        var show = Fb("backup", "schedule", "show", "--json");
        Assert.Equal(ours, Assert.Single(show.Json.GetProperty("entries").EnumerateArray()).GetProperty("content").GetString());
        var remove = Fb("backup", "schedule", "remove");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.Equal(new[] { "# an unrelated line the tests must keep" }, SavedCrontab.Read());
    }

    /// <summary>The user's crontab as it was, put back at the end (removed again when there was none).</summary>
    private sealed class SavedCrontab : IDisposable
    {
        private readonly List<string>? _saved;

        public SavedCrontab()
        {
            var r = Crontab(null, "-l");
            _saved = r.ExitCode == 0 ? Read() : null;
        }

        public static List<string> Read()
        {
            var r = Crontab(null, "-l");
            return r.ExitCode != 0 ? new List<string>() : r.Stdout.TrimEnd('\n').Split('\n').Where(l => l.Length > 0).ToList();
        }

        public void Write(string text) => Assert.Equal(0, Crontab(((_saved is null ? "" : string.Join('\n', _saved) + "\n") + text), "-").ExitCode);

        private static ChildProcess.Output Crontab(string? input, string arg)
        {
            var psi = new ProcessStartInfo(Fastband.Core.Tests.Setup.TestCrontab.Program, new[] { arg }) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            using var p = ChildProcess.Start(psi);
            if (input is not null) p.StandardInput.Write(input);
            p.StandardInput.Close();
            return p.WaitForOutput("crontab " + arg);
        }

        public void Dispose()
        {
            if (_saved is null) Crontab(null, "-r");
            else Crontab(string.Join('\n', _saved) + "\n", "-");
        }
    }
}
