using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Fastband.Core.Backup;

namespace Fastband.Core.Setup;

/// <summary>The schedulers init can install the backup schedule with.</summary>
public static class ScheduleKind
{
    public const string None = "none";
    public const string Cron = "cron";
    public const string Systemd = "systemd";
    public const string Windows = "windows";

    public static readonly Vocabulary Names = new("schedule", "InvalidSchedule", None, Cron, Systemd, Windows);
}

/// <summary>
/// Installs, shows and removes the machine's schedule for one project's backups: a job that runs
/// <c>fastband backup run-scheduled --project ROOT</c> every hour, at the minute of daily_time, so the daily
/// backup is made at daily_time (or at the first check after it when the machine was off) and the weekly one on
/// weekly_day; run-scheduled itself decides what is due and makes nothing twice. Each entry names the project,
/// so show and remove find this project's and touch nothing else.
/// </summary>
public sealed class BackupScheduler
{
    /// <summary>Overrides the crontab program (tests on machines without one).</summary>
    public const string CrontabVariable = "FASTBAND_CRONTAB";

    /// <summary>Overrides the systemctl program.</summary>
    public const string SystemctlVariable = "FASTBAND_SYSTEMCTL";

    private readonly string _root;
    private readonly Func<string, string?> _environment;

    public BackupScheduler(string root, Func<string, string?>? environment = null)
    {
        _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (_root.Length == 0) _root = Path.GetFullPath(root);
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>The agent name the scheduled runs write as.</summary>
    public const string SchedulerAgent = "scheduler";

    /// <summary>The words after the launcher.</summary>
    private string[] RunArguments => new[] { "backup", "run-scheduled", "--project", _root, "--agent", SchedulerAgent };

    /// <summary>Unit and task names: the project folder's name and a hash of its full path (two checkouts named alike differ).</summary>
    public string Slug
    {
        get
        {
            string leaf = new string(Path.GetFileName(_root).ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
            if (leaf.Length > 40) leaf = leaf[..40];
            string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(_root)))[..8].ToLowerInvariant();
            return (leaf.Length == 0 ? "project" : leaf) + "-" + hash;
        }
    }

    /// <summary>The minute of each hour the check runs: daily_time's, so the daily backup is made on time.</summary>
    private static int Minute(BackupConfig config) => config.DailyTime.Minute;

    // ---- plan / apply ---------------------------------------------------------------------------------------

    /// <summary>What installing <paramref name="kind"/> would do; nothing is changed until the returned actions run.</summary>
    internal IReadOnlyList<(InitItem Item, Action? Apply)> Plan(string kind, Launcher launcher, BackupConfig config, bool force, bool dryRun) => kind switch
    {
        ScheduleKind.Cron => new[] { PlanCron(launcher, config, force) },
        ScheduleKind.Systemd => PlanSystemd(launcher, config, force),
        ScheduleKind.Windows => new[] { PlanWindows(launcher, config, force, dryRun) },
        _ => Array.Empty<(InitItem, Action?)>(),
    };

    // ---- cron -----------------------------------------------------------------------------------------------

    /// <summary>The comment that ends this project's crontab line: how show and remove find it.</summary>
    public string CronTag => CronEscape("# fastband backup schedule for " + _root);

    /// <summary>cron turns an unescaped % into a newline; a path may hold one.</summary>
    private static string CronEscape(string s) => s.Replace("%", "\\%");

    public string CronLine(Launcher launcher, BackupConfig config)
    {
        string path = SchedulePath(launcher) is { } p ? "PATH=" + ShellQuote.Posix(p) + " " : "";
        return $"{Minute(config)} * * * * {CronEscape(path + launcher.ShellLine(RunArguments))} >/dev/null {CronTag}";
    }

    private (InitItem, Action?) PlanCron(Launcher launcher, BackupConfig config, bool force)
    {
        if (_root.Contains('\n') || _root.Contains('\r'))
            throw new InvalidInputException("InvalidSchedule", "The project path holds a line break, which a crontab line cannot: move the project to a plain path.");
        string line = CronLine(launcher, config);
        var current = ReadCrontab(required: true)!;
        var ours = current.Where(IsOurCronLine).ToList();
        InitItem Item(string action, string? message = null) => new() { Item = "schedule", Path = "crontab", Action = action, Message = message, Content = line };
        if (ours.Count == 1 && ours[0] == line) return (Item(InitAction.Unchanged), null);
        if (ours.Count == 0)
            return (Item(InitAction.Created, "runs every hour at minute " + Minute(config) + "; run-scheduled makes what is due"),
                () => WriteCrontab(current.Append(line).ToList()));
        if (!force) return (Item(InitAction.Kept, "this project's crontab line differs from what init writes: kept; 'fastband init --force --schedule cron' rewrites it"), null);
        return (Item(InitAction.Rewritten, "this project's crontab line differed and --force rewrote it"), () =>
        {
            var lines = new List<string>();
            bool placed = false;
            foreach (string l in current)
            {
                if (!IsOurCronLine(l)) lines.Add(l);
                else if (!placed) { lines.Add(line); placed = true; }
            }
            WriteCrontab(lines);
        });
    }

    private bool IsOurCronLine(string line) => line.TrimEnd().EndsWith(CronTag, StringComparison.Ordinal);

    private string CrontabProgram => _environment(CrontabVariable) is { Length: > 0 } p ? p : "crontab";

    /// <summary>The current user's crontab lines (empty when there is none); null when there is no crontab program and it is not required.</summary>
    private List<string>? ReadCrontab(bool required)
    {
        var r = Run(CrontabProgram, new[] { "-l" }, null);
        if (r is null)
        {
            if (!required) return null;
            throw new InvalidInputException("NoCrontab",
                $"There is no crontab program here (cron is not installed): install cron (apt-get install cron), or use --schedule systemd.");
        }
        if (r.Value.ExitCode != 0)
        {
            if (r.Value.Stderr.Contains("no crontab", StringComparison.OrdinalIgnoreCase)) return new List<string>();
            throw new FastbandException(FailureKind.Failed, "CrontabFailed", $"'crontab -l' failed ({r.Value.Stderr.Trim()}): nothing was changed.");
        }
        var lines = r.Value.Stdout.ReplaceLineEndings("\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    private void WriteCrontab(List<string> lines)
    {
        var r = lines.Count == 0
            ? Run(CrontabProgram, new[] { "-r" }, null)
            : Run(CrontabProgram, new[] { "-" }, string.Join('\n', lines) + "\n");
        if (r is null || r.Value.ExitCode != 0)
            throw new FastbandException(FailureKind.Failed, "CrontabFailed", $"Writing the crontab failed ({r?.Stderr.Trim()}): run 'crontab -e' to check it.");
    }

    // ---- systemd --------------------------------------------------------------------------------------------

    public string UnitName => "fastband-backup-" + Slug;

    public string SystemdDirectory
    {
        get
        {
            string? config = _environment("XDG_CONFIG_HOME");
            if (string.IsNullOrWhiteSpace(config))
            {
                string home = _environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                config = Path.Combine(home, ".config");
            }
            return Path.Combine(config, "systemd", "user");
        }
    }

    public string ServicePath => Path.Combine(SystemdDirectory, UnitName + ".service");
    public string TimerPath => Path.Combine(SystemdDirectory, UnitName + ".timer");

    private static string SystemdQuote(string word) =>
        "\"" + word.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("%", "%%").Replace("$", "$$") + "\"";

    public string ServiceUnit(Launcher launcher)
    {
        var sb = new StringBuilder();
        sb.Append(ManagedFile.Marker()).Append('\n');
        sb.Append("[Unit]\n");
        sb.Append($"Description=Fastband scheduled backups of {_root.Replace("%", "%%")}\n\n");
        sb.Append("[Service]\n");
        sb.Append("Type=oneshot\n");
        if (SchedulePath(launcher) is { } path) sb.Append($"Environment={SystemdQuote("PATH=" + path)}\n");
        sb.Append("ExecStart=").Append(string.Join(' ', new[] { launcher.Command }.Concat(launcher.Arguments(RunArguments)).Select(SystemdQuote))).Append('\n');
        sb.Append("StandardOutput=null\n");
        return sb.ToString();
    }

    public string TimerUnit(BackupConfig config)
    {
        var sb = new StringBuilder();
        sb.Append(ManagedFile.Marker()).Append('\n');
        sb.Append("[Unit]\n");
        sb.Append($"Description=Hourly check for the Fastband backups of {_root.Replace("%", "%%")}\n\n");
        sb.Append("[Timer]\n");
        sb.Append($"OnCalendar=*-*-* *:{Minute(config):00}:00\n");
        sb.Append("Persistent=true\n\n");
        sb.Append("[Install]\n");
        sb.Append("WantedBy=timers.target\n");
        return sb.ToString();
    }

    private IReadOnlyList<(InitItem, Action?)> PlanSystemd(Launcher launcher, BackupConfig config, bool force)
    {
        var files = new[] { ("schedule", ServicePath, ServiceUnit(launcher)), ("schedule", TimerPath, TimerUnit(config)) };
        var planned = new List<(InitItem, Action?)>();
        bool anyWrite = false;
        foreach (var (item, path, text) in files)
        {
            var (action, message) = ManagedFile.Plan(path, text, force);
            bool writes = action is InitAction.Created or InitAction.Rewritten;
            anyWrite |= writes;
            planned.Add((new InitItem { Item = item, Path = path, Action = action, Message = message, Content = text }, writes ? () => ManagedFile.Write(path, text) : null));
        }
        if (anyWrite)
        {
            bool usable = SystemctlUsable();
            string enable = $"systemctl --user daemon-reload && systemctl --user enable --now {UnitName}.timer";
            var (timerItem, timerWrite) = planned[1];
            planned[1] = (timerItem with
            {
                Message = (timerItem.Message is null ? "" : timerItem.Message + "; ") + (usable
                    ? $"enabled with '{enable}'"
                    : $"no systemd user instance is reachable here, so it is written but not enabled: run '{enable}' in your login session"),
            }, () =>
            {
                timerWrite?.Invoke();
                if (usable)
                {
                    Systemctl("daemon-reload");
                    Systemctl("enable", "--now", UnitName + ".timer");
                }
            });
        }
        return planned;
    }

    private string SystemctlProgram => _environment(SystemctlVariable) is { Length: > 0 } p ? p : "systemctl";

    /// <summary>True when `systemctl --user` reaches a user manager (not in most containers, or over plain ssh without lingering).</summary>
    private bool SystemctlUsable() => Run(SystemctlProgram, new[] { "--user", "show-environment" }, null) is { ExitCode: 0 };

    private void Systemctl(params string[] args)
    {
        var r = Run(SystemctlProgram, new[] { "--user" }.Concat(args).ToArray(), null);
        if (r is null || r.Value.ExitCode != 0)
            throw new FastbandException(FailureKind.Failed, "SystemctlFailed", $"'systemctl --user {string.Join(' ', args)}' failed ({r?.Stderr.Trim()}): the unit files are in {SystemdDirectory}.");
    }

    // ---- windows --------------------------------------------------------------------------------------------

    public string TaskName => "Fastband backup " + Slug;

    public string WindowsScriptPath => Path.Combine(_root, ProjectLocator.StateFolderName, "backup-schedule.ps1");

    public string WindowsScript(Launcher launcher, BackupConfig config)
    {
        string arguments = string.Join(' ', launcher.Arguments(RunArguments).Select(a => a.Any(c => char.IsWhiteSpace(c) || c == '"') ? "\"" + a.Replace("\"", "\\\"") + "\"" : a));
        var sb = new StringBuilder();
        sb.Append(ManagedFile.Marker()).Append('\n');
        sb.Append($"# Registers the scheduled task that runs the Fastband backups of {_root} every hour (run-scheduled makes what is due).\n");
        sb.Append($"$action = New-ScheduledTaskAction -Execute {ShellQuote.PowerShell(launcher.Command)} -Argument {ShellQuote.PowerShell(arguments)}\n");
        sb.Append($"$trigger = New-ScheduledTaskTrigger -Once -At (Get-Date -Hour 0 -Minute {Minute(config)} -Second 0) -RepetitionInterval (New-TimeSpan -Hours 1)\n");
        sb.Append("$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -DontStopIfGoingOnBatteries -AllowStartIfOnBatteries\n");
        sb.Append($"Register-ScheduledTask -TaskName {ShellQuote.PowerShell(TaskName)} -TaskPath '\\Fastband\\' -Action $action -Trigger $trigger -Settings $settings -Description {ShellQuote.PowerShell("Fastband backups of " + _root)} -Force | Out-Null\n");
        return sb.ToString();
    }

    private (InitItem, Action?) PlanWindows(Launcher launcher, BackupConfig config, bool force, bool dryRun)
    {
        bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        if (!windows && !dryRun)
            throw new InvalidInputException("ScheduleNotHere",
                "A Windows scheduled task can only be registered on Windows: use --schedule cron or systemd here, or --dry-run to see the Register-ScheduledTask script.");
        string script = WindowsScript(launcher, config);
        var (action, message) = ManagedFile.Plan(WindowsScriptPath, script, force);
        bool writes = action is InitAction.Created or InitAction.Rewritten;
        var item = new InitItem
        {
            Item = "schedule", Path = WindowsScriptPath, Action = action, Content = script,
            Message = message ?? (windows ? $"registered as the scheduled task \\Fastband\\{TaskName}" : "on Windows this script is run to register the scheduled task"),
        };
        return (item, writes ? () =>
        {
            ManagedFile.Write(WindowsScriptPath, script);
            var r = Run("powershell.exe", new[] { "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", WindowsScriptPath }, null);
            if (r is null || r.Value.ExitCode != 0)
                throw new FastbandException(FailureKind.Failed, "ScheduledTaskFailed", $"Registering the scheduled task failed ({r?.Stderr.Trim()}): run {WindowsScriptPath} in PowerShell to see why.");
        } : null);
    }

    // ---- show / remove --------------------------------------------------------------------------------------

    /// <summary>This project's schedule entries on this machine: the crontab line, the systemd units, the Windows task script.</summary>
    public ScheduleReport Show() => new() { Project = _root, DryRun = false, Entries = Find().Select(f => f.Item).ToArray() };

    /// <summary>Removes every entry <see cref="Show"/> finds (disabling the systemd timer first, when systemctl reaches a user manager).</summary>
    public ScheduleReport Remove(bool dryRun)
    {
        var found = Find();
        if (!dryRun) foreach (var f in found) f.Remove();
        return new ScheduleReport
        {
            Project = _root, DryRun = dryRun,
            Entries = found.Select(f => f.Item with { Action = InitAction.Removed, Message = dryRun ? "would be removed" : f.Item.Message }).ToArray(),
        };
    }

    private List<(InitItem Item, Action Remove)> Find()
    {
        var found = new List<(InitItem, Action)>();
        if (ReadCrontab(required: false) is { } lines)
        {
            foreach (string line in lines.Where(IsOurCronLine))
                found.Add((new InitItem { Item = "schedule", Path = "crontab", Action = InitAction.Found, Content = line }, () =>
                {
                    var now = ReadCrontab(required: true)!;
                    WriteCrontab(now.Where(l => !IsOurCronLine(l)).ToList());
                }));
        }
        bool timer = File.Exists(TimerPath);
        foreach (string path in new[] { TimerPath, ServicePath }.Where(File.Exists))
        {
            bool isTimer = path == TimerPath;
            found.Add((new InitItem { Item = "schedule", Path = path, Action = InitAction.Found, Content = File.ReadAllText(path) }, () =>
            {
                if (isTimer && SystemctlUsable()) Run(SystemctlProgram, new[] { "--user", "disable", "--now", UnitName + ".timer" }, null);
                File.Delete(path);
                if (!isTimer && SystemctlUsable()) Run(SystemctlProgram, new[] { "--user", "daemon-reload" }, null);
            }));
        }
        _ = timer;
        if (File.Exists(WindowsScriptPath))
            found.Add((new InitItem { Item = "schedule", Path = WindowsScriptPath, Action = InitAction.Found, Content = File.ReadAllText(WindowsScriptPath) }, () =>
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                    Run("powershell.exe", new[] { "-NoProfile", "-NonInteractive", "-Command",
                        $"Unregister-ScheduledTask -TaskName {ShellQuote.PowerShell(TaskName)} -TaskPath '\\Fastband\\' -Confirm:$false -ErrorAction SilentlyContinue" }, null);
                File.Delete(WindowsScriptPath);
            }));
        return found;
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /// <summary>
    /// The PATH a scheduled run gets: cron and systemd start jobs with a minimal one, and the ./fastband wrapper
    /// (and a framework-dependent fastband) needs dotnet. Null when dotnet is not on this PATH.
    /// </summary>
    private string? SchedulePath(Launcher launcher)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
        string? dotnet = Launcher.FindOnPath("dotnet", _environment);
        if (dotnet is null) return null;
        var dirs = new List<string> { Path.GetDirectoryName(dotnet)! };
        string resolved = new FileInfo(dotnet).ResolveLinkTarget(returnFinalTarget: true)?.FullName is { } target ? Path.GetDirectoryName(target)! : dirs[0];
        if (!dirs.Contains(resolved)) dirs.Add(resolved);
        foreach (string d in new[] { "/usr/local/bin", "/usr/bin", "/bin" }) if (!dirs.Contains(d)) dirs.Add(d);
        return string.Join(':', dirs);
    }

    private static (int ExitCode, string Stdout, string Stderr)? Run(string program, string[] args, string? input)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (input is not null) process.StandardInput.Write(input);
            process.StandardInput.Close();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
