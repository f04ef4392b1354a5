namespace Fastband.Core.Health;

/// <summary>How well one part of a project is doing. The order matters: the worst state of all checks is the project's.</summary>
public enum HealthState
{
    Healthy = 0,
    /// <summary>Worth a look (a late heartbeat, a stale report); does not make <c>fastband health</c> fail.</summary>
    Warning = 1,
    /// <summary>Something is broken or dead; <c>fastband health</c> exits non-zero.</summary>
    Unhealthy = 2,
}

/// <summary>One finding of a health check: what was looked at, how it is, and a sentence for people.</summary>
public sealed record HealthFinding(string Check, string Subject, HealthState State, string Summary)
{
    /// <summary>Numbers behind the finding (ages in seconds, counts), for --json and the dashboard.</summary>
    public IReadOnlyDictionary<string, object?> Details { get; init; } = new Dictionary<string, object?>();
}

/// <summary>
/// A feature's contribution to <c>fastband health</c>. Each feature that can go wrong in a way people should
/// see (heartbeats, leader, locks, claims, reports, the offline queue) implements one; the health service
/// runs them all and reports the worst state.
/// </summary>
public interface IHealthCheck
{
    /// <summary>A short name such as "heartbeats" or "issues".</summary>
    string Name { get; }

    IEnumerable<HealthFinding> Check(DateTimeOffset now);
}
