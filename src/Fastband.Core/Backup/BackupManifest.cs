namespace Fastband.Core.Backup;

/// <summary>manifest.json: what a backup holds and how to check it. Written last, so a backup without one is incomplete.</summary>
public sealed class BackupManifest
{
    public const string FileName = "manifest.json";

    public string Id { get; init; } = "";
    public string? Name { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public string ProjectPath { get; init; } = "";

    /// <summary>daily, weekly or manual.</summary>
    public string BackupType { get; init; } = BackupTypes.Manual;

    /// <summary>manual, scheduled or pre_restore.</summary>
    public string Trigger { get; init; } = "manual";
    public string Agent { get; init; } = "";
    public string ContentHash { get; init; } = "";
    public long SizeBytes { get; init; }
    public IReadOnlyDictionary<string, bool> Components { get; init; } = new Dictionary<string, bool>();
    public string? DatabaseType { get; init; }
    public string? DatabaseTool { get; init; }
    public string? GitHead { get; init; }
    public int FileCount { get; init; }
    public IReadOnlyList<BackupArtifact> Artifacts { get; init; } = Array.Empty<BackupArtifact>();
    public string ToolVersion { get; init; } = "";

    /// <summary>Why retention keeps it, as decided when it was made (the list recomputes it as newer backups arrive).</summary>
    public string RetentionReason { get; init; } = "";
}

/// <summary>One file of a backup and its checksum.</summary>
public sealed record BackupArtifact(string Component, string File, long SizeBytes, string Sha256);

public static class BackupTypes
{
    public const string Daily = "daily";
    public const string Weekly = "weekly";
    public const string Manual = "manual";
    public static readonly Vocabulary Names = new("backup type", "InvalidBackupType", Daily, Weekly, Manual);

    public static IReadOnlyList<string> All => Names.All;

    public static string Parse(string? type) => Names.Normalize(type ?? Manual);
}

/// <summary>A backup as listed: its manifest, where it is, and why retention keeps it.</summary>
public sealed class BackupInfo
{
    public string Id => Manifest.Id;
    public string BackupType => Manifest.BackupType;
    public DateTimeOffset CreatedAt => Manifest.CreatedAt;
    public long SizeBytes => Manifest.SizeBytes;
    public string? Name => Manifest.Name;
    public string Path { get; init; } = "";
    public BackupManifest Manifest { get; init; } = new();

    /// <summary>Why retention keeps it ("daily: 2nd newest of 7 kept", "manual: never pruned automatically"), or why it goes.</summary>
    public string RetentionReason { get; init; } = "";
    public bool Kept { get; init; } = true;

    public override string ToString() => $"{Id} ({BackupType}, {TimeSpec.Display(CreatedAt)} UTC, {SizeBytes:N0} bytes)";
}

/// <summary>What a create run did: a new backup, or a skip and why.</summary>
public sealed class BackupResult
{
    public bool Created => Backup is not null;
    public BackupInfo? Backup { get; init; }

    /// <summary>The backup that holds this state: the one just created, or when skipped the unchanged earlier one.</summary>
    public string? BackupId => Backup?.Id ?? UnchangedSince;

    /// <summary>When skipped: the earlier backup nothing changed since.</summary>
    public string? UnchangedSince { get; init; }
    public bool Skipped { get; init; }
    public string Reason { get; init; } = "";
    public ChangeSummary Changes { get; init; } = new();
    public TimeSpan Elapsed { get; init; }

    public override string ToString() => Created ? $"Created {Backup}" : $"Skipped: {Reason}";
}

/// <summary>What changed since the last backup.</summary>
public sealed class ChangeSummary
{
    public int Added { get; init; }
    public int Modified { get; init; }
    public int Deleted { get; init; }
    public bool DatabaseChanged { get; init; }
    public bool GitChanged { get; init; }
    public bool Any => Added + Modified + Deleted > 0 || DatabaseChanged || GitChanged;

    public override string ToString() =>
        $"{Added} added, {Modified} modified, {Deleted} deleted; database {(DatabaseChanged ? "changed" : "unchanged")}; git {(GitChanged ? "changed" : "unchanged")}";
}

/// <summary>`backup status`: the last backup, what changed since, what runs next.</summary>
public sealed class BackupStatus
{
    public BackupInfo? LastBackup { get; init; }
    public ChangeSummary ChangesSinceLast { get; init; } = new();
    public int BackupCount { get; init; }
    public long TotalBytes { get; init; }
    public DateTimeOffset? NextDaily { get; init; }
    public DateTimeOffset? NextWeekly { get; init; }
    public string? RunningBackup { get; init; }
    public string Database { get; init; } = "none";
}

/// <summary>What pruning removed (or, in a dry run, would remove) and what it keeps, with reasons.</summary>
public sealed class PruneResult
{
    public bool DryRun { get; init; }
    public IReadOnlyList<BackupInfo> Removed { get; init; } = Array.Empty<BackupInfo>();
    public IReadOnlyList<BackupInfo> Kept { get; init; } = Array.Empty<BackupInfo>();
}

/// <summary>What run-scheduled did.</summary>
public sealed class ScheduledRunResult
{
    public IReadOnlyList<BackupResult> Runs { get; init; } = Array.Empty<BackupResult>();
    public string Message { get; init; } = "";
    public DateTimeOffset? NextDaily { get; init; }
    public DateTimeOffset? NextWeekly { get; init; }
}

/// <summary>One checked part of a verification.</summary>
public sealed record VerifyCheck(string Component, string What, bool Ok, string Detail);

public sealed class VerifyResult
{
    public string BackupId { get; init; } = "";
    public bool Ok => Checks.All(c => c.Ok);
    public IReadOnlyList<VerifyCheck> Checks { get; init; } = Array.Empty<VerifyCheck>();
}

/// <summary>What a restore changed (or, in a dry run, would change).</summary>
public sealed class RestoreResult
{
    public string BackupId { get; init; } = "";
    public bool DryRun { get; init; }
    public string Destination { get; init; } = "";
    public IReadOnlyList<string> Components { get; init; } = Array.Empty<string>();
    public int Created { get; init; }
    public int Overwritten { get; init; }
    public int Unchanged { get; init; }

    /// <summary>Files in the destination that the backup does not have (left alone).</summary>
    public int NotInBackup { get; init; }
    public bool DatabaseRestored { get; init; }

    /// <summary>The backup taken of the current state before anything was overwritten.</summary>
    public string? SafetyBackupId { get; init; }
    public IReadOnlyList<string> Changes { get; init; } = Array.Empty<string>();
}

/// <summary>Progress of a long run, for Write-Progress and the CLI's bar.</summary>
public sealed record BackupProgress(string Activity, string Status, int Percent);
