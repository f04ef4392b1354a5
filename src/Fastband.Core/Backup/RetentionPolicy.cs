namespace Fastband.Core.Backup;

/// <summary>
/// Which backups retention keeps: the newest <see cref="DailyKeep"/> daily backups, the newest
/// <see cref="WeeklyKeep"/> weekly ones, and every manual one (never pruned automatically), each with the reason
/// in words. A pure function of the list and the settings: no files, no clock.
/// </summary>
public sealed record RetentionPolicy(int DailyKeep, int WeeklyKeep)
{
    /// <summary>The policy of a project's backup_config.yaml (daily_retention, weekly_retention).</summary>
    public static RetentionPolicy Of(BackupConfig config) => new(config.DailyRetention, config.WeeklyRetention);

    /// <summary>How many backups of a type are kept: all of them for manual backups.</summary>
    public int KeepOf(string type) => type switch
    {
        BackupTypes.Daily => DailyKeep,
        BackupTypes.Weekly => WeeklyKeep,
        _ => int.MaxValue,
    };

    /// <summary>
    /// The backups, newest first, each marked <see cref="BackupInfo.Kept"/> or not with its
    /// <see cref="BackupInfo.RetentionReason"/>: within each type the newest are kept up to <see cref="KeepOf"/>.
    /// </summary>
    public IReadOnlyList<BackupInfo> Apply(IEnumerable<BackupInfo> backups)
    {
        var judged = new List<BackupInfo>();
        foreach (var group in backups.OrderByDescending(b => b.CreatedAt).GroupBy(b => b.BackupType))
        {
            int keep = KeepOf(group.Key);
            int rank = 0;
            foreach (var b in group)
            {
                rank++;
                bool kept = rank <= keep;
                string reason = group.Key == BackupTypes.Manual ? "manual: never pruned automatically"
                    : kept ? $"{group.Key}: {Ordinal(rank)} newest of the {keep} kept"
                    : $"{group.Key}: older than the newest {keep}; pruned next";
                judged.Add(new BackupInfo { Path = b.Path, Manifest = b.Manifest, Kept = kept, RetentionReason = reason });
            }
        }
        return judged.OrderByDescending(b => b.CreatedAt).ToList();
    }

    /// <summary>What a new backup's manifest says of its retention (a restore's safety copy is a manual backup too).</summary>
    public string ReasonAtCreation(string type, string trigger) => type switch
    {
        BackupTypes.Daily => $"daily: kept while among the newest {DailyKeep} daily backups",
        BackupTypes.Weekly => $"weekly: kept while among the newest {WeeklyKeep} weekly backups",
        _ when trigger == "pre_restore" => "manual: the safety copy taken before a restore; never pruned automatically",
        _ => "manual: never pruned automatically",
    };

    /// <summary>What the safety backup a restore takes says of its retention: it is kept until deleted by hand.</summary>
    public const string SafetyCopyReason = "manual: the safety copy taken before a restore (exactly what it replaced); never pruned automatically";

    private static string Ordinal(int n) => n + (n % 100 is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });
}
