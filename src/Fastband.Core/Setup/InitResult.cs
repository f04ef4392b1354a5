namespace Fastband.Core.Setup;

/// <summary>What <c>fastband init</c> did (or, with --dry-run, would do) to one file, entry or the store.</summary>
public static class InitAction
{
    /// <summary>It did not exist and was made.</summary>
    public const string Created = "created";
    /// <summary>It was already what init would write.</summary>
    public const string Unchanged = "unchanged";
    /// <summary>It differs from what init would write (edited, or not Fastband's) and was left as it is.</summary>
    public const string Kept = "kept";
    /// <summary>It carried Fastband's marker, differed, and --force wrote it again.</summary>
    public const string Rewritten = "rewritten";
    /// <summary>Fastband's entry was added to a file that already held other settings.</summary>
    public const string Added = "added";
    /// <summary>Found (schedule show).</summary>
    public const string Found = "found";
    /// <summary>Taken away (schedule remove).</summary>
    public const string Removed = "removed";
}

/// <summary>One thing init made or looked at: what it is, where, and what happened to it.</summary>
public sealed record InitItem
{
    /// <summary>config, backupConfig, store, schedule, mcpServer, hook.</summary>
    public required string Item { get; init; }

    /// <summary>The file (or, for a crontab line, "crontab"; for the store, its location).</summary>
    public required string Path { get; init; }

    /// <summary>One of <see cref="InitAction"/>.</summary>
    public required string Action { get; init; }

    /// <summary>Why, in a few words (what to do about a kept file, how to enable a timer).</summary>
    public string? Message { get; init; }

    /// <summary>What init wrote or would write there (the whole file, the crontab line or the JSON entry); null for the store.</summary>
    public string? Content { get; init; }

    /// <summary>True when the item changed on disk (or would, in a dry run).</summary>
    public bool Changes => Action is InitAction.Created or InitAction.Rewritten or InitAction.Added or InitAction.Removed;

    public override string ToString() => $"{Action,-9} {Item,-12} {Path}{(Message is null ? "" : ": " + Message)}";
}

/// <summary>The result of <see cref="ProjectInitializer.Init"/>: the project and every item, in the order handled.</summary>
public sealed record InitResult
{
    public required string Project { get; init; }
    public required bool DryRun { get; init; }
    public required IReadOnlyList<InitItem> Items { get; init; }

    /// <summary>True when anything changed (or would change, in a dry run).</summary>
    public bool Changed => Items.Any(i => i.Changes);

    /// <summary>One sentence: what happened overall.</summary>
    public string Message => DryRun
        ? (Changed ? "Dry run: nothing was written; the items above say what would change." : "Dry run: nothing would change.")
        : (Changed ? $"Initialized {Project}." : $"{Project} was already initialized: nothing changed.");
}

/// <summary>The backup schedule entries this machine holds for one project (schedule show and remove).</summary>
public sealed record ScheduleReport
{
    public required string Project { get; init; }
    public required bool DryRun { get; init; }
    public required IReadOnlyList<InitItem> Entries { get; init; }

    public string Message => Entries.Count == 0
        ? $"No backup schedule is installed for {Project} on this machine: install one with 'fastband init --schedule cron' (or systemd, windows)."
        : DryRun ? "Dry run: nothing was removed." : $"{Entries.Count} schedule {(Entries.Count == 1 ? "entry" : "entries")} for {Project}.";
}
