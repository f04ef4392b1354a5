using Fastband.Core;
using Fastband.Core.Backup;
using Fastband.Core.Issues;
using Fastband.Core.OpsLog;

namespace Fastband.PowerShell.Completion;

// The completers for values that exist only at run time. Each reads through Core's own read APIs; the base
// class opens the project, filters by the typed prefix and swallows every failure.

/// <summary>Agent names: registered agents, active ones first (for -To, -ToAgent, -ForAgent and -Agent filters).</summary>
public sealed class AgentNameCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project => project.Agents.List(includeInactive: true)
            .OrderByDescending(a => a.IsActive).ThenBy(a => a.Name, StringComparer.OrdinalIgnoreCase)
            .Select(a => new CompletionCandidate(a.Name,
                $"{a.Name}: {a.Status}{(a.CurrentTicket is null ? "" : $" on ticket {a.CurrentTicket}")}, last seen {TimeSpec.Display(a.LastSeenAt)} UTC")));
}

/// <summary>Ticket ids: the tickets agents are on now, then those in the most recent ops log entries.</summary>
public sealed class TicketIdCompleter : FastbandCompleter
{
    private const int RecentEntries = 500;

    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project =>
        {
            var current = project.Agents.List(includeInactive: false)
                .Where(a => a.CurrentTicket is not null)
                .Select(a => new CompletionCandidate(a.CurrentTicket!, $"ticket {a.CurrentTicket}: {a.Name} is on it"));
            var logged = project.OpsLog.Read(new OpsLogQuery { Limit = RecentEntries })
                .Where(e => !string.IsNullOrWhiteSpace(e.TicketId))
                .Select(e => new CompletionCandidate(e.TicketId!, $"ticket {e.TicketId}: last logged {TimeSpec.Display(e.Timestamp)} UTC by {e.Agent} ({e.EventType})"));
            return current.Concat(logged).ToList();
        });
}

/// <summary>Backup ids and names, and 'latest', newest first.</summary>
public sealed class BackupIdCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromBackups(context, backups =>
        {
            var all = backups.List();
            if (all.Count == 0) return Array.Empty<CompletionCandidate>();
            return new[] { new CompletionCandidate("latest", $"latest: the newest backup, {all[0]}") }
                .Concat(all.Select(b => new CompletionCandidate(b.Id, b.Name is null ? b.ToString() : $"{b} '{b.Name}'")))
                .Concat(all.Where(b => !string.IsNullOrWhiteSpace(b.Name)).Select(b => new CompletionCandidate(b.Name!, $"{b.Name}: {b}")))
                .ToList();
        });
}

/// <summary>The paths live leases hold (for breaking a lock or asking for a handoff).</summary>
public sealed class LockedPathCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project => project.Locks.List().Leases
            .SelectMany(l => l.Resources.Select(r => new CompletionCandidate(r,
                $"{r}: held by {l.Agent} ({l.Mode}, lease {l.LeaseId}) until {TimeSpec.Display(l.ExpiresAt)} UTC")))
            .OrderBy(c => c.Value, StringComparer.Ordinal));
}

/// <summary>The ids of live leases; with -Agent typed, that agent's leases first.</summary>
public sealed class LeaseIdCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context)
    {
        string? agent = context.Bound("Agent") ?? CallerIdentity.Resolve(null).Agent;
        return FromStore(context, project => project.Locks.List().Leases
            .OrderByDescending(l => string.Equals(l.Agent, agent, StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(l => l.AcquiredAt)
            .Select(l => new CompletionCandidate(l.LeaseId, l.ToString())));
    }
}

/// <summary>Issue ids, unresolved first.</summary>
public sealed class IssueIdCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project => project.Issues.List(new IssueQuery { IncludeResolved = true })
            .OrderBy(i => i.Status == IssueStatus.Resolved)
            .Select(i => new CompletionCandidate(i.Id, i.ToString())));
}

/// <summary>Fix ids, proposed ones (those awaiting review) first.</summary>
public sealed class FixIdCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project => project.Issues.Fixes()
            .OrderBy(f => f.Status != FixStatus.Proposed)
            .Select(f => new CompletionCandidate(f.Id, $"{f.Id}: {f.Title} (issue {f.IssueId}, {f.Status}, by {f.ProposedBy})")));
}

/// <summary>Checkpoint names, newest first.</summary>
public sealed class CheckpointNameCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project => project.Git.ListCheckpoints()
            .Select(c => new CompletionCandidate(c.Name,
                $"{c.Name}: {c.ShortId}{(c.Description is null ? "" : $" {c.Description}")}{(c.CreatedAt is { } at ? $", {TimeSpec.Display(at)} UTC" : "")}")));
}

/// <summary>Snapshot ids, newest first.</summary>
public sealed class SnapshotIdCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project => project.Git.ListSnapshots()
            .Select(s => new CompletionCandidate(s.Id,
                $"{s.Id}{(s.Reason is null ? "" : $": {s.Reason}")}{(s.CreatedAt is { } at ? $", {TimeSpec.Display(at)} UTC" : "")}")));
}

/// <summary>Saved session ids, most recently updated first.</summary>
public sealed class SessionIdCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context) =>
        FromStore(context, project => project.Sessions.List()
            .OrderByDescending(s => s.UpdatedAt)
            .Select(s => new CompletionCandidate(s.SessionId,
                $"{s.SessionId}{(s.Agent is null ? "" : $" ({s.Agent})")}{(s.CurrentTask is null ? "" : $": {s.CurrentTask}")}, updated {TimeSpec.Display(s.UpdatedAt)} UTC")));
}

/// <summary>
/// Backup components: with a -BackupId already typed (Restore-FastbandBackup), the components that backup holds;
/// otherwise the five a backup can hold.
/// </summary>
public sealed class BackupComponentCompleter : FastbandCompleter
{
    protected override IEnumerable<CompletionCandidate> Candidates(CompletionContext context)
    {
        var every = BackupComponent.All.Select(c => new CompletionCandidate(c, $"{c}: a backup component")).ToList();
        if (context.Bound("BackupId") is not { Length: > 0 } id) return every;
        var held = FromBackups(context, backups =>
        {
            var backup = backups.Find(id);
            return backup.Manifest.Components.Where(c => c.Value).Select(c => new CompletionCandidate(c.Key, $"{c.Key}: held by backup {backup.Id}"));
        }).ToList();
        return held.Count > 0 ? held : every;
    }
}
