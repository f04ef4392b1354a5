using Fastband.Core.Backup.Database;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fastband.Core.Backup;

/// <summary>
/// <c>.fastband/backup_config.yaml</c>: the seed's BackupConfig fields (snake_case), plus exclude patterns,
/// the compression level, the config files and the database. Every field has a default, so the file is optional.
/// </summary>
public sealed class BackupConfig
{
    public const string FileName = "backup_config.yaml";

    public bool Enabled { get; init; } = true;
    public bool DailyEnabled { get; init; } = true;
    public TimeOnly DailyTime { get; init; } = new(2, 0);
    public int DailyRetention { get; init; } = 7;
    public bool WeeklyEnabled { get; init; } = true;
    public DayOfWeek WeeklyDay { get; init; } = DayOfWeek.Sunday;
    public int WeeklyRetention { get; init; } = 4;
    public bool ChangeDetection { get; init; } = true;
    public IReadOnlySet<string> Components { get; init; } = BackupComponent.All.ToHashSet();
    public IReadOnlyList<string> ExcludePatterns { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> ConfigFiles { get; init; } = new[] { ".env", "docker-compose.yml", "Dockerfile", "requirements.txt", "package.json" };
    public string DataDirectory { get; init; } = "data";
    public System.IO.Compression.CompressionLevel Compression { get; init; } = System.IO.Compression.CompressionLevel.Fastest;
    public DatabaseTarget Database { get; init; } = new();

    /// <summary>Reads the project's file; DATABASE_URL stands in when it has no database section.</summary>
    public static BackupConfig Load(string projectRoot, string stateDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string path = Path.Combine(stateDirectory, FileName);
        Raw raw;
        if (!File.Exists(path)) raw = new Raw();
        else
        {
            try
            {
                string text = File.ReadAllText(path);
                YamlGuard.RefuseAnchorsAndAliases(text, YamlGuard.Shown(stateDirectory, FileName), "InvalidBackupConfig");
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                raw = stream.Documents.Count == 0 ? new Raw() : Raw.Read(stream.Documents[0].RootNode, path);
            }
            catch (YamlException e)
            {
                string what = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
                throw new InvalidInputException("InvalidBackupConfig",
                    $"{path}, line {e.Start.Line}: {what.TrimEnd('.')}; fix it (every field is listed in the README) and nothing was backed up.");
            }
        }
        return raw.ToConfig(path, projectRoot, environment);
    }

    /// <summary>The YAML shape. Unknown fields are errors (with their line), not silently ignored.</summary>
    private sealed class Raw
    {
        /// <summary>Reads the document's top-level map field by field (no reflection: the CLI is compiled ahead of time).</summary>
        public static Raw Read(YamlNode root, string path)
        {
            var raw = new Raw();
            if (YamlFields.IsNull(root)) return raw;
            foreach (var (name, value, line) in YamlFields.Map(root, path, "the file"))
            {
                var f = new YamlFields(path, name, value, line);
                switch (name)
                {
                    case "enabled": raw.Enabled = f.Bool(); break;
                    case "daily_enabled": raw.DailyEnabled = f.Bool(); break;
                    case "daily_time": raw.DailyTime = f.String(); break;
                    case "daily_retention": raw.DailyRetention = f.Int(); break;
                    case "weekly_enabled": raw.WeeklyEnabled = f.Bool(); break;
                    case "weekly_day": raw.WeeklyDay = f.String(); break;
                    case "weekly_retention": raw.WeeklyRetention = f.Int(); break;
                    case "change_detection": raw.ChangeDetection = f.Bool(); break;
                    case "backup_code": raw.BackupCode = f.Bool(); break;
                    case "backup_config": raw.BackupConfig = f.Bool(); break;
                    case "backup_data": raw.BackupData = f.Bool(); break;
                    case "backup_database": raw.BackupDatabase = f.Bool(); break;
                    case "backup_git": raw.BackupGit = f.Bool(); break;
                    case "exclude_patterns": raw.ExcludePatterns = f.Strings(); break;
                    case "config_files": raw.ConfigFiles = f.Strings(); break;
                    case "data_dir": raw.DataDir = f.String(); break;
                    case "compression_level": raw.CompressionLevel = f.String(); break;
                    case "database": raw.Database = YamlFields.IsNull(value) ? null : RawDatabase.Read(value, path); break;
                    default: throw f.Unknown(Fields);
                }
            }
            return raw;
        }

        private const string Fields = "enabled, daily_enabled, daily_time, daily_retention, weekly_enabled, weekly_day, weekly_retention, " +
            "change_detection, backup_code, backup_config, backup_data, backup_database, backup_git, exclude_patterns, config_files, data_dir, " +
            "compression_level, database";

        public bool Enabled { get; set; } = true;
        public bool DailyEnabled { get; set; } = true;
        public string DailyTime { get; set; } = "02:00";
        public int DailyRetention { get; set; } = 7;
        public bool WeeklyEnabled { get; set; } = true;
        public string WeeklyDay { get; set; } = "sunday";
        public int WeeklyRetention { get; set; } = 4;
        public bool ChangeDetection { get; set; } = true;
        public bool BackupCode { get; set; } = true;
        public bool BackupConfig { get; set; } = true;
        public bool BackupData { get; set; } = true;
        public bool BackupDatabase { get; set; } = true;
        public bool BackupGit { get; set; } = true;
        public List<string>? ExcludePatterns { get; set; }
        public List<string>? ConfigFiles { get; set; }
        public string DataDir { get; set; } = "data";
        public string CompressionLevel { get; set; } = "fastest";
        public RawDatabase? Database { get; set; }

        public BackupConfig ToConfig(string path, string root, Func<string, string?> environment)
        {
            InvalidInputException Bad(string field, string expected) =>
                new("InvalidBackupConfig", $"{path}: {field} must be {expected}; fix it and nothing was backed up.");
            if (!TimeOnly.TryParseExact(DailyTime, "HH:mm", out var at)) throw Bad("daily_time", "a time such as \"02:00\"");
            if (!Enum.TryParse<DayOfWeek>(WeeklyDay, ignoreCase: true, out var day) || int.TryParse(WeeklyDay, out _))
                throw Bad("weekly_day", "a day name such as sunday");
            if (DailyRetention < 1 || WeeklyRetention < 1) throw Bad("daily_retention and weekly_retention", "at least 1");
            var level = CompressionLevel.ToLowerInvariant() switch
            {
                "fastest" => System.IO.Compression.CompressionLevel.Fastest,
                "optimal" => System.IO.Compression.CompressionLevel.Optimal,
                "smallest" => System.IO.Compression.CompressionLevel.SmallestSize,
                "none" => System.IO.Compression.CompressionLevel.NoCompression,
                _ => throw Bad("compression_level", "fastest, optimal, smallest or none"),
            };
            var components = new HashSet<string>();
            if (BackupCode) components.Add(BackupComponent.Code);
            if (BackupConfig) components.Add(BackupComponent.Config);
            if (BackupData) components.Add(BackupComponent.Data);
            if (BackupDatabase) components.Add(BackupComponent.Database);
            if (BackupGit) components.Add(BackupComponent.Git);
            var inside = new InsideProject(path, root);
            string dataDirectory = inside.Relative("data_dir", DataDir);
            var configFiles = (ConfigFiles ?? new List<string> { ".env", "docker-compose.yml", "Dockerfile", "requirements.txt", "package.json" })
                .Select(f => inside.Relative("config_files", f)).ToList();
            return new BackupConfig
            {
                Enabled = Enabled, DailyEnabled = DailyEnabled, DailyTime = at, DailyRetention = DailyRetention,
                WeeklyEnabled = WeeklyEnabled, WeeklyDay = day, WeeklyRetention = WeeklyRetention, ChangeDetection = ChangeDetection,
                Components = components, ExcludePatterns = ExcludePatterns ?? new List<string>(),
                ConfigFiles = configFiles, DataDirectory = dataDirectory, Compression = level,
                Database = Database?.ToTarget(path, root, inside) ?? FromEnvironment(root, environment),
            };
        }

        private static DatabaseTarget FromEnvironment(string root, Func<string, string?> environment) =>
            environment("DATABASE_URL") is { Length: > 0 } url ? DatabaseBackups.FromUrl(url, root) : new DatabaseTarget();
    }

    private sealed class RawDatabase
    {
        public static RawDatabase Read(YamlNode node, string path)
        {
            var db = new RawDatabase();
            foreach (var (name, value, line) in YamlFields.Map(node, path, "database"))
            {
                var f = new YamlFields(path, "database." + name, value, line);
                switch (name)
                {
                    case "type": db.Type = f.String(); break;
                    case "path": db.Path = f.String(); break;
                    case "host": db.Host = f.String(); break;
                    case "port": db.Port = f.Int(); break;
                    case "name": db.Name = f.String(); break;
                    case "user": db.User = f.String(); break;
                    case "passwordEnv": db.PasswordEnv = f.String(); break;
                    default: throw f.Unknown("type, path, host, port, name, user, passwordEnv");
                }
            }
            return db;
        }

        public string Type { get; set; } = DatabaseTarget.None;
        public string? Path { get; set; }
        public string Host { get; set; } = "127.0.0.1";
        public int? Port { get; set; }
        public string? Name { get; set; }
        public string? User { get; set; }

        public string? PasswordEnv { get; set; }

        public DatabaseTarget ToTarget(string file, string root, InsideProject inside)
        {
            string type = Type.ToLowerInvariant() switch
            {
                "sqlite" => DatabaseTarget.Sqlite,
                "postgres" or "postgresql" => DatabaseTarget.Postgres,
                "mysql" or "mariadb" => DatabaseTarget.MySql,
                "none" => DatabaseTarget.None,
                _ => throw new InvalidInputException("InvalidBackupConfig", $"{file}: database.type '{Type}' is not one of sqlite, postgres, mysql, none; fix it and nothing was backed up."),
            };
            if (type == DatabaseTarget.Sqlite && string.IsNullOrWhiteSpace(Path))
                throw new InvalidInputException("InvalidBackupConfig", $"{file}: database.path is required for sqlite (the database file, relative to the project).");
            if (type is DatabaseTarget.Postgres or DatabaseTarget.MySql && (string.IsNullOrWhiteSpace(Name) || string.IsNullOrWhiteSpace(User)))
                throw new InvalidInputException("InvalidBackupConfig", $"{file}: database.name and database.user are required for {type}.");
            return new DatabaseTarget
            {
                Type = type, Path = Path is null ? null : System.IO.Path.GetFullPath(inside.Relative("database.path", Path), root), Host = Host, Port = Port,
                Name = Name, User = User, PasswordEnv = PasswordEnv,
            };
        }
    }
}

/// <summary>
/// The path settings of backup_config.yaml must name something inside the project: a backup holds the project,
/// and a restore writes only into it, so "../../etc" or "/etc" would back up what no restore may put back.
/// Refused at load with the file, the line and the key; each path comes back project-relative with forward slashes.
/// (A folder that is a link leading outside is refused at backup time, by <see cref="ProjectScan"/>: links change.)
/// </summary>
internal sealed class InsideProject(string file, string root)
{
    private YamlNode? _document;
    private bool _parsed;

    public string Relative(string key, string value)
    {
        string project = System.IO.Path.GetFullPath(root);
        string trimmed = value.Trim();
        string full = System.IO.Path.GetFullPath(trimmed.Length == 0 ? "." : trimmed, project);
        bool isProject = full.TrimEnd(System.IO.Path.DirectorySeparatorChar) == project.TrimEnd(System.IO.Path.DirectorySeparatorChar);
        if (isProject || !TarArchives.IsInside(project, full))
        {
            string where = LineOf(key, value) is { } line ? $"{file}, line {line}" : file;
            throw new InvalidInputException("BackupPathOutsideProject",
                $"{where}: {key} '{value}' is {(isProject ? "the project folder itself" : "outside the project " + project)}; " +
                "set it to a path inside the project, relative to it (such as data), and nothing was backed up.");
        }
        return System.IO.Path.GetRelativePath(project, full).Replace('\\', '/').TrimEnd('/');
    }

    /// <summary>The line of <paramref name="key"/> (a dotted path; for a list, the item holding <paramref name="value"/>), or null.</summary>
    private int? LineOf(string key, string value)
    {
        if (!_parsed)
        {
            _parsed = true;
            try
            {
                var stream = new YamlStream();
                using (var reader = new StreamReader(file)) stream.Load(reader);
                _document = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
            }
            catch (Exception e) when (e is YamlException or IOException) { _document = null; }
        }
        YamlNode? node = _document;
        YamlNode? keyNode = null;
        foreach (string part in key.Split('.'))
        {
            if (node is not YamlMappingNode map) return null;
            var entry = map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: var k } && k == part);
            if (entry.Key is null) return null;
            keyNode = entry.Key;
            node = entry.Value;
        }
        if (node is YamlSequenceNode list && list.Children.OfType<YamlScalarNode>().FirstOrDefault(i => i.Value == value) is { } item)
            return (int)item.Start.Line;
        return keyNode is null ? null : (int)keyNode.Start.Line;
    }
}

/// <summary>The parts of a project a backup can hold.</summary>
public static class BackupComponent
{
    public const string Code = "code";
    public const string Config = "config";
    public const string Data = "data";
    public const string Database = "database";
    public const string Git = "git";

    public static readonly Vocabulary Names = new("backup component", "InvalidComponent", Code, Config, Data, Database, Git);

    public static IReadOnlyList<string> All => Names.All;

    public static IReadOnlySet<string> Parse(IEnumerable<string>? names, IReadOnlySet<string> fallback) =>
        Names.NormalizeFilter(names) is { } list ? list.ToHashSet() : fallback;
}
