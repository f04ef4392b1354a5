using System.Globalization;
using System.Text;
using Fastband.Core.Backup;

namespace Fastband.Core.Setup;

/// <summary>
/// The commented config.yaml and backup_config.yaml that init writes. Every value is read from the settings classes'
/// own defaults (a new instance of each), so the files cannot drift from them; a test loads both files through the
/// real loaders and checks they give the defaults back, and that every setting key is written.
/// </summary>
public static class ConfigTemplates
{
    public static string Config()
    {
        var c = new FastbandConfig();
        var y = new Yaml();
        y.Line(ManagedFile.Marker());
        y.Line("# Fastband project settings (.fastband/config.yaml). Every setting is here with its default value;");
        y.Line("# change what you need, delete what you do not (a missing setting keeps its default).");
        y.Line("# Durations are a number and a unit: 500ms, 30s, 15m, 2h, 1d, 1w.");
        y.Blank();
        y.Section("opsLog", "The Agent Ops Log: holds, clearances, rebuilds and the log agents read before they act.");
        y.Key("retentionDays", c.OpsLog.RetentionDays.ToString(CultureInfo.InvariantCulture), "entries older than this many days move to the daily archive files");
        y.Key("directiveWindow", Duration(c.OpsLog.DirectiveWindow), "holds and clearances older than this are ignored");
        y.Key("rebuildTimeout", Duration(c.OpsLog.RebuildTimeout), "a requested rebuild not completed after this long no longer blocks anyone");
        y.Key("activeAgentWindow", Duration(c.OpsLog.ActiveAgentWindow), "agents seen within this window count as active");
        y.Key("pollInterval", Duration(c.OpsLog.PollInterval), "how often follow mode and wait poll the store");
        y.Blank();
        y.Section("leader", "Leader election: one leader at a time, on a lease renewed by heartbeats.");
        y.Key("heartbeatTimeout", Duration(c.Leader.HeartbeatTimeout), "a leader silent for longer than this has lapsed; the next campaign wins");
        y.Key("eligible", List(c.Leader.Eligible), "the agents that may campaign, e.g. [alice, bob]; empty: every agent");
        y.Blank();
        y.Section("health", "fastband health: when a heartbeat is late or dead, and which errors count.");
        y.Key("heartbeatLate", Duration(c.Health.HeartbeatLate), "a heartbeat older than this is late (a warning)");
        y.Key("heartbeatDead", Duration(c.Health.HeartbeatDead), "a heartbeat older than this is dead (unhealthy); must be longer than heartbeatLate");
        y.Key("forgetAfter", Duration(c.Health.ForgetAfter), "agents silent for longer than this are no longer listed");
        y.Key("errorWindow", Duration(c.Health.ErrorWindow), "error events this recent are shown");
        y.Blank();
        y.Section("alerts", "Error events POSTed as JSON to webhooks (FASTBAND_ALERT_WEBHOOKS adds more, comma-separated).");
        y.Key("webhooks", List(c.Alerts.Webhooks.Select(u => u.ToString())), "e.g. [\"https://hooks.example.com/fastband\"]");
        y.Key("timeout", Duration(c.Alerts.Timeout), "how long one POST may take");
        y.Key("retries", c.Alerts.Retries.ToString(CultureInfo.InvariantCulture), "further attempts after a failed POST (0 to 10), with doubling back-off");
        y.Key("exitWait", Duration(c.Alerts.ExitWait), "how long a process about to exit waits for alerts still being delivered");
        y.Blank();
        y.Section("events", "The interaction event log and its snapshot files (communication.md, archive.md).");
        y.Key("recentInteractions", c.Events.RecentInteractions.ToString(CultureInfo.InvariantCulture), "how many of the newest interactions communication.md shows");
        y.Key("directory", Quote(c.Events.Directory), "where communication.md, archive.md and events.error.log go, relative to the project root");
        y.Key("title", Quote(c.Events.Title), "the first line of communication.md, after '# '");
        y.Key("headings", null, "the heading of each event type in the snapshot");
        foreach (var (type, heading) in c.Events.Headings) y.Key("  " + type, Quote(heading), null);
        y.Key("retryAttempts", c.Events.RetryAttempts.ToString(CultureInfo.InvariantCulture), "attempts at a write another writer holds up (1 to 20)");
        y.Key("retryDelay", Duration(c.Events.RetryDelay), "the first back-off; each next one doubles");
        y.Key("lockWait", Duration(c.Events.LockWait), "how long one attempt waits for the store's write lock");
        y.Key("pollInterval", Duration(c.Events.PollInterval), "how often watch mode looks for new events");
        y.Blank();
        y.Section("issues", "Issues, claims and fixes.");
        y.Key("staleClaimAfter", Duration(c.Issues.StaleClaimAfter), "a claim whose holder has not been seen for this long is stale");
        y.Key("reportStaleAfter", Duration(c.Issues.ReportStaleAfter), "reports that leave a change unreported for longer than this are stale");
        y.Key("reportsDirectory", Quote(c.Issues.ReportsDirectory), "where 'fastband report' writes, relative to the project root");
        y.Blank();
        y.Section("store", "Where the project's data lives. FASTBAND_STORE overrides this section.");
        y.Key("type", c.Store.Type, "sqlite (.fastband/fastband.db) or postgres");
        y.Commented("connection", "\"Host=db1;Port=5432;Database=fastband;Username=fastband\"", "postgres only: a connection string or a postgres:// URL, without the password");
        y.Commented("passwordEnv", "FASTBAND_PG_PASSWORD", "postgres only: the variable holding the password (else PGPASSFILE or ~/.pgpass)");
        y.Commented("schema", "public", "postgres only: the schema the tables live in");
        y.Key("allowPlaintextPassword", Bool(c.Store.AllowPlaintextPassword), "true allows a password written into connection (not recommended)");
        y.Key("connectTimeout", Duration(c.Store.ConnectTimeout), "how long to wait for the server before failing");
        return y.ToString();
    }

    public static string BackupConfig()
    {
        var b = new BackupConfig();
        var y = new Yaml();
        y.Line(ManagedFile.Marker());
        y.Line("# Fastband backups (.fastband/backup_config.yaml). Every field is here with its default value.");
        y.Line("# 'fastband backup run-scheduled' (installed by 'fastband init --schedule ...') makes the daily and weekly");
        y.Line("# backups these settings ask for; 'fastband backup create' makes one now.");
        y.Blank();
        y.Key("enabled", Bool(b.Enabled), "false: run-scheduled makes nothing", indent: 0);
        y.Key("daily_enabled", Bool(b.DailyEnabled), "one daily backup, the first scheduled run after daily_time", indent: 0);
        y.Key("daily_time", Quote(b.DailyTime.ToString("HH:mm", CultureInfo.InvariantCulture)), "local time, HH:mm", indent: 0);
        y.Key("daily_retention", Int(b.DailyRetention), "daily backups kept", indent: 0);
        y.Key("weekly_enabled", Bool(b.WeeklyEnabled), "one weekly backup, on weekly_day after daily_time", indent: 0);
        y.Key("weekly_day", b.WeeklyDay.ToString().ToLowerInvariant(), "monday ... sunday", indent: 0);
        y.Key("weekly_retention", Int(b.WeeklyRetention), "weekly backups kept", indent: 0);
        y.Key("change_detection", Bool(b.ChangeDetection), "skip a scheduled backup when nothing changed since the last one", indent: 0);
        y.Blank();
        y.Line("# What a backup holds.");
        y.Key("backup_code", Bool(b.Components.Contains(BackupComponent.Code)), "the project's files (tracked by git, or all files outside git)", indent: 0);
        y.Key("backup_config", Bool(b.Components.Contains(BackupComponent.Config)), "the files listed in config_files", indent: 0);
        y.Key("backup_data", Bool(b.Components.Contains(BackupComponent.Data)), "the data_dir folder", indent: 0);
        y.Key("backup_database", Bool(b.Components.Contains(BackupComponent.Database)), "a dump of the database below (or of DATABASE_URL)", indent: 0);
        y.Key("backup_git", Bool(b.Components.Contains(BackupComponent.Git)), "the git repository (a bundle)", indent: 0);
        y.Key("exclude_patterns", List(b.ExcludePatterns), "extra patterns to leave out, e.g. [\"*.log\", \"tmp/\"]", indent: 0);
        y.Key("config_files", null, "project-relative config files to back up", indent: 0);
        foreach (string f in b.ConfigFiles) y.Line($"  - {Quote(f)}");
        y.Key("data_dir", Quote(b.DataDirectory), "the data folder, relative to the project", indent: 0);
        y.Key("compression_level", b.Compression switch
        {
            System.IO.Compression.CompressionLevel.Optimal => "optimal",
            System.IO.Compression.CompressionLevel.SmallestSize => "smallest",
            System.IO.Compression.CompressionLevel.NoCompression => "none",
            _ => "fastest",
        }, "fastest, optimal, smallest or none", indent: 0);
        y.Blank();
        y.Line("# The project's database. Without this section a DATABASE_URL in the environment is used, if set; with it,");
        y.Line("# DATABASE_URL is ignored. Uncomment and fill in to back up a database:");
        var d = new Backup.Database.DatabaseTarget();
        y.Line("# database:");
        y.Line("#   type: postgres             # sqlite, postgres, mysql (mariadb) or none");
        y.Line("#   path: data/app.db          # sqlite: the database file, relative to the project");
        y.Line($"#   host: {d.Host,-21}# postgres, mysql: the server");
        y.Line("#   port: 5432                 # default: the server type's port");
        y.Line("#   name: app                  # postgres, mysql: the database");
        y.Line("#   user: app                  # postgres, mysql: the user");
        y.Line("#   passwordEnv: APP_DB_PASSWORD   # the variable holding the password");
        return y.ToString();
    }

    /// <summary>A duration in the shortest form the loaders read back exactly: 500ms, 30s, 15m, 2h.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d.Ticks % TimeSpan.TicksPerSecond != 0) return $"{(long)d.TotalMilliseconds}ms";
        if (d.Ticks % TimeSpan.TicksPerHour == 0) return $"{(long)d.TotalHours}h";
        if (d.Ticks % TimeSpan.TicksPerMinute == 0) return $"{(long)d.TotalMinutes}m";
        return $"{(long)d.TotalSeconds}s";
    }

    private static string Bool(bool b) => b ? "true" : "false";
    private static string Int(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A double-quoted YAML string (escapes the two characters that need it).</summary>
    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Quote)) + "]";

    private sealed class Yaml
    {
        private readonly StringBuilder _sb = new();

        public void Line(string text) => _sb.Append(text).Append('\n');
        public void Blank() => _sb.Append('\n');

        public void Section(string name, string comment)
        {
            Line("# " + comment);
            Line(name + ":");
        }

        public void Key(string key, string? value, string? comment, int indent = 2)
        {
            string text = new string(' ', indent) + key + ":" + (value is null ? "" : " " + value);
            Line(comment is null ? text : text.PadRight(36) + " # " + comment);
        }

        public void Commented(string key, string example, string comment) =>
            Line(("  # " + key + ": " + example).PadRight(36) + " # " + comment);

        public override string ToString() => _sb.ToString();
    }
}
