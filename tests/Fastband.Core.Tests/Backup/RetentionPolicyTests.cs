using Fastband.Core.Backup;
using Xunit;

namespace Fastband.Core.Tests.Backup;

/// <summary>Retention and the schedule as pure functions: backups made up in memory, no files, times from a ManualClock.</summary>
public sealed class RetentionPolicyTests
{
    private readonly ManualClock _clock = new();

    private BackupInfo Made(string type, TimeSpan ago, string? id = null) => new()
    {
        Path = "/nowhere/" + (id ?? type + ago.TotalMinutes),
        Manifest = new BackupManifest { Id = id ?? $"{type}-{ago.TotalMinutes}", BackupType = type, CreatedAt = _clock.GetUtcNow() - ago },
    };

    private static BackupInfo Only(IReadOnlyList<BackupInfo> judged, string id) => Assert.Single(judged, b => b.Id == id);

    [Fact]
    public void Keeps_the_newest_dailies_up_to_the_limit_whatever_order_they_come_in()
    {
        var backups = new[]
        {
            Made(BackupTypes.Daily, TimeSpan.FromDays(3), "d3"), Made(BackupTypes.Daily, TimeSpan.FromDays(1), "d1"),
            Made(BackupTypes.Daily, TimeSpan.FromDays(4), "d4"), Made(BackupTypes.Daily, TimeSpan.FromDays(2), "d2"),
        };

        var judged = new RetentionPolicy(DailyKeep: 2, WeeklyKeep: 1).Apply(backups);

        Assert.Equal(new[] { "d1", "d2", "d3", "d4" }, judged.Select(b => b.Id));
        Assert.Equal(new[] { true, true, false, false }, judged.Select(b => b.Kept));
        Assert.Equal("daily: 1st newest of the 2 kept", Only(judged, "d1").RetentionReason);
        Assert.Equal("daily: 2nd newest of the 2 kept", Only(judged, "d2").RetentionReason);
        Assert.Equal("daily: older than the newest 2; pruned next", Only(judged, "d3").RetentionReason);
        Assert.Equal("daily: older than the newest 2; pruned next", Only(judged, "d4").RetentionReason);
    }

    [Fact]
    public void Each_type_is_counted_on_its_own_so_newer_weeklies_take_no_daily_slot()
    {
        var backups = new[]
        {
            Made(BackupTypes.Weekly, TimeSpan.FromHours(1), "w1"), Made(BackupTypes.Weekly, TimeSpan.FromHours(2), "w2"),
            Made(BackupTypes.Daily, TimeSpan.FromHours(3), "d1"), Made(BackupTypes.Weekly, TimeSpan.FromHours(4), "w3"),
            Made(BackupTypes.Daily, TimeSpan.FromHours(5), "d2"),
        };

        var judged = new RetentionPolicy(DailyKeep: 1, WeeklyKeep: 2).Apply(backups);

        Assert.Equal(new[] { "w1", "w2", "d1" }, judged.Where(b => b.Kept).Select(b => b.Id));
        Assert.Equal(new[] { "w3", "d2" }, judged.Where(b => !b.Kept).Select(b => b.Id));
        Assert.Equal("weekly: older than the newest 2; pruned next", Only(judged, "w3").RetentionReason);
        Assert.Equal("daily: 1st newest of the 1 kept", Only(judged, "d1").RetentionReason);
    }

    [Fact]
    public void Manual_backups_are_never_pruned_however_many_there_are()
    {
        var backups = Enumerable.Range(1, 12).Select(n => Made(BackupTypes.Manual, TimeSpan.FromMinutes(n), $"m{n}")).ToList();
        backups.Add(Made(BackupTypes.Daily, TimeSpan.FromDays(9), "old-daily"));

        var judged = new RetentionPolicy(DailyKeep: 1, WeeklyKeep: 1).Apply(backups);

        Assert.All(judged.Where(b => b.BackupType == BackupTypes.Manual), b =>
        {
            Assert.True(b.Kept, b.Id);
            Assert.Equal("manual: never pruned automatically", b.RetentionReason);
        });
        Assert.True(Only(judged, "old-daily").Kept); // the one daily is the newest daily, however old
    }

    [Fact]
    public void What_a_listing_said_before_is_judged_again_not_carried_over()
    {
        var stale = new BackupInfo
        {
            Path = "/nowhere/d", Kept = false, RetentionReason = "daily: older than the newest 1; pruned next",
            Manifest = new BackupManifest { Id = "d", BackupType = BackupTypes.Daily, CreatedAt = _clock.GetUtcNow() },
        };

        var judged = Assert.Single(new RetentionPolicy(DailyKeep: 3, WeeklyKeep: 3).Apply(new[] { stale }));

        Assert.True(judged.Kept);
        Assert.Equal("daily: 1st newest of the 3 kept", judged.RetentionReason);
        Assert.Same(stale.Manifest, judged.Manifest);
        Assert.Equal("/nowhere/d", judged.Path);
    }

    [Fact]
    public void Ranks_are_written_as_english_ordinals()
    {
        var backups = Enumerable.Range(1, 24).Select(n => Made(BackupTypes.Daily, TimeSpan.FromHours(n), $"d{n}")).ToList();

        var judged = new RetentionPolicy(DailyKeep: 30, WeeklyKeep: 1).Apply(backups);

        string Rank(int n) => Only(judged, $"d{n}").RetentionReason.Split(' ')[1];
        Assert.Equal(new[] { "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "24th" },
            new[] { 1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 24 }.Select(Rank));
    }

    [Fact]
    public void No_backups_judge_to_none()
    {
        Assert.Empty(new RetentionPolicy(1, 1).Apply(Array.Empty<BackupInfo>()));
    }

    [Fact]
    public void The_policy_is_the_configs_and_a_new_backup_says_how_it_will_be_kept()
    {
        var policy = RetentionPolicy.Of(new BackupConfig { DailyRetention = 5, WeeklyRetention = 3 });

        Assert.Equal(new RetentionPolicy(5, 3), policy);
        Assert.Equal(5, policy.KeepOf(BackupTypes.Daily));
        Assert.Equal(3, policy.KeepOf(BackupTypes.Weekly));
        Assert.Equal(int.MaxValue, policy.KeepOf(BackupTypes.Manual));
        Assert.Equal("daily: kept while among the newest 5 daily backups", policy.ReasonAtCreation(BackupTypes.Daily, "scheduled"));
        Assert.Equal("weekly: kept while among the newest 3 weekly backups", policy.ReasonAtCreation(BackupTypes.Weekly, "scheduled"));
        Assert.Equal("manual: never pruned automatically", policy.ReasonAtCreation(BackupTypes.Manual, "manual"));
        Assert.Contains("safety copy taken before a restore", policy.ReasonAtCreation(BackupTypes.Manual, "pre_restore"));
    }

    // ---------------------------------------------------------------- the schedule's decisions

    /// <summary>A moment of the clock's local day, at a given local time (the schedule works in local time).</summary>
    private DateTimeOffset Today(int hour, int minute = 0)
    {
        var localDay = _clock.GetUtcNow().ToLocalTime().Date;
        var local = DateTime.SpecifyKind(localDay.AddHours(hour).AddMinutes(minute), DateTimeKind.Local);
        return new DateTimeOffset(local);
    }

    private BackupConfig Config(bool weeklyToday) => new()
    {
        DailyTime = new TimeOnly(6, 0),
        WeeklyDay = weeklyToday ? Today(12).DayOfWeek : (DayOfWeek)(((int)Today(12).DayOfWeek + 3) % 7),
    };

    private BackupInfo MadeAt(string type, DateTimeOffset at) => new()
    {
        Path = "/nowhere/" + type, Manifest = new BackupManifest { Id = type, BackupType = type, CreatedAt = at.ToUniversalTime() },
    };

    [Fact]
    public void Before_daily_time_nothing_is_due_and_the_daily_runs_at_daily_time_today()
    {
        var config = Config(weeklyToday: true);
        var now = Today(5, 30);

        var due = BackupSchedule.Decide(config, now, Array.Empty<BackupInfo>());
        var (daily, weekly) = BackupSchedule.NextRuns(config, now, Array.Empty<BackupInfo>());

        Assert.False(due.Daily);
        Assert.False(due.Weekly);
        Assert.Equal(new[] { "the daily backup runs after 06:00" }, due.Messages);
        Assert.Equal(Today(6), daily);
        Assert.Equal(Today(6), weekly);
    }

    [Fact]
    public void After_daily_time_the_daily_is_due_once_and_the_weekly_only_on_its_day()
    {
        var now = Today(12);

        var onWeeklyDay = BackupSchedule.Decide(Config(weeklyToday: true), now, Array.Empty<BackupInfo>());
        var otherDay = BackupSchedule.Decide(Config(weeklyToday: false), now, Array.Empty<BackupInfo>());
        var madeToday = BackupSchedule.Decide(Config(weeklyToday: true), now,
            new[] { MadeAt(BackupTypes.Daily, Today(7)), MadeAt(BackupTypes.Weekly, Today(7)) });

        Assert.True(onWeeklyDay.Daily);
        Assert.True(onWeeklyDay.Weekly);
        Assert.Empty(onWeeklyDay.Messages);
        Assert.True(otherDay.Daily);
        Assert.False(otherDay.Weekly);
        Assert.True(BackupSchedule.Decide(Config(weeklyToday: false), Today(6), Array.Empty<BackupInfo>()).Daily); // daily_time itself counts
        Assert.False(madeToday.Daily);
        Assert.False(madeToday.Weekly);
        Assert.Equal(new[] { "today's daily backup exists" }, madeToday.Messages);
    }

    [Fact]
    public void Once_todays_backups_exist_the_next_daily_is_tomorrow_and_the_next_weekly_in_a_week()
    {
        var config = Config(weeklyToday: true);
        var made = new[] { MadeAt(BackupTypes.Daily, Today(7)), MadeAt(BackupTypes.Weekly, Today(7)) };

        var (daily, weekly) = BackupSchedule.NextRuns(config, Today(12), made);

        Assert.Equal(Today(6).AddDays(1), daily);
        Assert.Equal(Today(6).AddDays(7), weekly);
    }

    [Fact]
    public void An_overdue_daily_is_due_now_and_a_disabled_schedule_runs_nothing()
    {
        var now = Today(12);
        var yesterday = new[] { MadeAt(BackupTypes.Daily, Today(7).AddDays(-1)) };

        var (daily, _) = BackupSchedule.NextRuns(Config(weeklyToday: false), now, yesterday);
        var off = new BackupConfig { Enabled = false };
        var due = BackupSchedule.Decide(off, now, yesterday);
        var next = BackupSchedule.NextRuns(off, now, yesterday);

        Assert.Equal(now, daily);
        Assert.False(due.Daily);
        Assert.False(due.Weekly);
        Assert.Equal(new[] { "backups are disabled in backup_config.yaml" }, due.Messages);
        Assert.Null(next.Daily);
        Assert.Null(next.Weekly);
    }
}
