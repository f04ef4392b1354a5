using Fastband.Core.Health;

namespace Fastband.Core.Git;

/// <summary>
/// The git safety net's part of <c>fastband health</c>: a lock file git left behind (it blocks every commit until
/// deleted), and how many snapshots are kept. A project that is not a git repository is healthy: the net is not in use.
/// </summary>
internal sealed class GitHealthCheck(GitRepository repository, GitSnapshots snapshots) : IHealthCheck
{
    /// <summary>How old a git lock file must be before health calls it stale.</summary>
    public static readonly TimeSpan StaleLockAge = TimeSpan.FromMinutes(10);

    public string Name => "git";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        GitLocation repo;
        try
        {
            repo = repository.Locate();
        }
        catch (FastbandException)
        {
            return new[] { new HealthFinding(Name, repository.ProjectRoot, HealthState.Healthy, "Not a git repository: the git safety net is not in use here.") };
        }
        var findings = new List<HealthFinding>();
        foreach (string lockFile in new[] { Path.Combine(repo.GitDir, "index.lock"), Path.Combine(repo.CommonDir, "HEAD.lock") })
        {
            if (!File.Exists(lockFile)) continue;
            var age = now - new DateTimeOffset(File.GetLastWriteTimeUtc(lockFile), TimeSpan.Zero);
            if (age < StaleLockAge) continue;
            findings.Add(new HealthFinding(Name, lockFile, HealthState.Warning,
                $"{lockFile} is {TimeSpec.Humanize(age)} old: a git process that crashed left it, and every commit fails until it is gone; delete it if no git command is running.")
            {
                Details = new Dictionary<string, object?> { ["ageSeconds"] = (long)age.TotalSeconds },
            });
        }
        int kept = snapshots.List().Count;
        findings.Add(new HealthFinding(Name, repo.Top, HealthState.Healthy, $"{kept} snapshot(s) kept under {GitSnapshots.SnapshotRefPrefix}.")
        {
            Details = new Dictionary<string, object?> { ["snapshots"] = kept },
        });
        return findings;
    }
}
