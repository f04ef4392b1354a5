namespace Fastband.Core.Backup;

/// <summary>Which scheduled backups are due now, and why each one that is not, is not.</summary>
internal sealed record ScheduleDecision(bool Daily, bool Weekly, IReadOnlyList<string> Messages);

/// <summary>
/// The scheduled backups: today's daily one once, after daily_time (local time), and the weekly one once on
/// weekly_day, then a prune. <see cref="Decide"/> and <see cref="NextRuns"/> are pure functions of the time, the
/// backups there are and the settings; <see cref="Run"/> carries a decision out, and is safe to call as often as
/// a scheduler likes.
/// </summary>
internal sealed class BackupSchedule(BackupCatalog catalog, BackupCreator creator, TimeProvider clock, Lazy<BackupConfig> backupConfig)
{
    /// <summary>Makes the backups that are due now, prunes when one was made, and says when the next ones run.</summary>
    public ScheduledRunResult Run(IProgress<BackupProgress>? progress = null, CancellationToken cancellation = default)
    {
        var config = backupConfig.Value;
        var now = clock.GetUtcNow();
        var due = Decide(config, now, catalog.List());
        var runs = new List<BackupResult>();
        if (due.Daily) runs.Add(creator.Create(new BackupRequest { Type = BackupTypes.Daily, Trigger = "scheduled" }, progress, cancellation));
        if (due.Weekly) runs.Add(creator.Create(new BackupRequest { Type = BackupTypes.Weekly, Trigger = "scheduled", Force = true }, progress, cancellation));
        if (runs.Any(r => r.Created)) catalog.Prune(dryRun: false);
        var (daily, weekly) = NextRuns(config, now, catalog.List());
        return new ScheduledRunResult
        {
            Runs = runs, Message = string.Join("; ", due.Messages.Concat(runs.Select(r => r.ToString()))), NextDaily = daily, NextWeekly = weekly,
        };
    }

    /// <summary>
    /// Due now: the daily backup when daily backups are on, daily_time has passed today (local time) and none was
    /// made today; the weekly one when weekly backups are on, it is weekly_day after daily_time, and none was made today.
    /// </summary>
    public static ScheduleDecision Decide(BackupConfig config, DateTimeOffset now, IReadOnlyList<BackupInfo> all)
    {
        if (!config.Enabled) return new ScheduleDecision(false, false, new[] { "backups are disabled in backup_config.yaml" });
        var local = now.ToLocalTime();
        bool afterTime = TimeOnly.FromDateTime(local.DateTime) >= config.DailyTime;
        bool daily = config.DailyEnabled && afterTime && !MadeOn(all, BackupTypes.Daily, local);
        bool weekly = config.WeeklyEnabled && afterTime && local.DayOfWeek == config.WeeklyDay && !MadeOn(all, BackupTypes.Weekly, local);
        var messages = new List<string>();
        if (!daily) messages.Add(config.DailyEnabled ? (afterTime ? "today's daily backup exists" : $"the daily backup runs after {config.DailyTime:HH\\:mm}") : "daily backups are off");
        return new ScheduleDecision(daily, weekly, messages);
    }

    /// <summary>When the next daily and weekly backups are due (now, when one is overdue); null for a kind that is off.</summary>
    public static (DateTimeOffset? Daily, DateTimeOffset? Weekly) NextRuns(BackupConfig config, DateTimeOffset now, IReadOnlyList<BackupInfo> all)
    {
        var local = now.ToLocalTime();
        DateTimeOffset At(DateTime day) => new(day.Date + config.DailyTime.ToTimeSpan(), local.Offset);
        bool doneToday = MadeOn(all, BackupTypes.Daily, local);
        var daily = At(local.DateTime) > local && !doneToday ? At(local.DateTime) : doneToday ? At(local.DateTime.AddDays(1)) : local;
        int days = ((int)config.WeeklyDay - (int)local.DayOfWeek + 7) % 7;
        bool weeklyToday = MadeOn(all, BackupTypes.Weekly, local);
        var weekly = At(local.DateTime.AddDays(days == 0 && weeklyToday ? 7 : days));
        if (weekly < local && !weeklyToday) weekly = local;
        return (config.Enabled && config.DailyEnabled ? daily : null, config.Enabled && config.WeeklyEnabled ? weekly : null);
    }

    /// <summary>Was a backup of this type made on the local day of <paramref name="local"/>?</summary>
    private static bool MadeOn(IReadOnlyList<BackupInfo> all, string type, DateTimeOffset local) =>
        all.Any(b => b.BackupType == type && b.CreatedAt.ToLocalTime().Date == local.Date);
}
