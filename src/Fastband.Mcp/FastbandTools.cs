using Fastband.Core;
using Fastband.Core.Issues;
using Fastband.Core.Locks;
using Fastband.Core.OpsLog;
using static Fastband.Mcp.ArgumentType;

namespace Fastband.Mcp;

/// <summary>
/// The tools. Each maps its arguments onto the Core call the matching CLI command makes (named in its comment) and
/// returns what Core returned; none holds behaviour of its own beyond reading arguments.
/// </summary>
public static class FastbandTools
{
    public const string AgentRole = "agent";
    public const string OpsRole = "ops";
    public static readonly IReadOnlyList<string> Roles = new[] { AgentRole, OpsRole };

    /// <summary>The longest wait_clearance or lock_acquire wait a call may ask for: a tool call is not a session.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultClearanceWait = TimeSpan.FromSeconds(30);

    /// <summary>The ops log types that announce work (and so wait while a hold covers the agent); the others report or talk.</summary>
    public static readonly IReadOnlySet<string> WorkEventTypes = new HashSet<string>
    {
        OpsEventType.TicketClaimed, OpsEventType.TicketCompleted, OpsEventType.RebuildRequested, OpsEventType.ReviewComplete,
    };

    private static readonly ToolArgument Ticket = new("ticket", Text, "The ticket (issue) the work is for, e.g. 1205 or issue_007.");

    public static IReadOnlyList<McpToolDefinition> All { get; } = Build();

    public static IEnumerable<McpToolDefinition> For(string role) => All.Where(t => !t.OpsOnly || role == OpsRole);

    private static TimeSpan Bounded(TimeSpan wait, string name) =>
        wait <= MaxWait ? wait : throw new InvalidInputException("WaitTooLong",
            $"The {name} may be at most {TimeSpec.Humanize(MaxWait)} per call: call again to keep waiting.");

    private static IReadOnlyList<McpToolDefinition> Build() => new McpToolDefinition[]
    {
        // ------------------------------------------------------------------ session
        new()
        {
            Name = "start",
            Description = "Start your session: registers you (agents register), and returns in one answer whether you may work, the holds in force, your unread messages, your locks and your claimed issues. Call it first.",
            Arguments = new[] { new ToolArgument("ticket", Text, "The ticket you are starting on, if any.") },
            Invoke = (c, a) =>
            {
                var p = c.Project;
                var registration = p.Agents.Register(a.String("ticket"));
                var start = new SessionStart
                {
                    Agent = registration,
                    Permission = p.Coordination.Check(null, a.String("ticket")),
                    Directive = p.Directives.GetStatus(),
                    UnreadMessages = p.Messages.Read(all: false, ack: false),
                    Locks = p.Locks.List(p.Caller.Agent).Leases,
                    Claims = p.Issues.List(new IssueQuery { AssignedTo = p.Caller.Agent }),
                };
                return new ToolOutcome(start, start.Summary());
            },
        },
        new()
        {
            Name = "check_clearance", ReadOnly = true,
            Description = "May you work now (on a ticket)? Answers allowed true or false with the reason: the hold or rebuild in the way. The same as 'fastband ops check'.",
            Arguments = new[] { Ticket },
            Invoke = (c, a) =>
            {
                var answer = c.Project.Coordination.Check(null, a.String("ticket"));
                return new ToolOutcome(answer, answer.Reason);
            },
        },
        new()
        {
            Name = "wait_clearance", ReadOnly = true, Waits = _ => true,
            Description = $"Wait until you may work (on a ticket), at most 'timeout' (default {TimeSpec.Humanize(DefaultClearanceWait)}, at most {TimeSpec.Humanize(MaxWait)}); an error result (exit code 3) if still blocked then: call again or request_clearance.",
            Arguments = new[] { Ticket, new ToolArgument("timeout", Text, "How long to wait: 30s, 5m. Default 30s, at most 10m.") },
            Invoke = (c, a) =>
            {
                var timeout = a.String("timeout") is { } t ? Bounded(TimeSpec.ParseDuration(t, "timeout"), "timeout") : DefaultClearanceWait;
                var answer = c.Project.Coordination.WaitUntilAllowed(null, a.String("ticket"), timeout, c.Cancellation);
                return new ToolOutcome(answer, answer.Reason, answer.Allowed ? ToolErrors.Ok : ToolErrors.Blocked);
            },
        },

        // ------------------------------------------------------------------ ops log
        new()
        {
            Name = "ops_read", ReadOnly = true,
            Description = "Read the Agent Ops Log, newest first ('fastband ops read').",
            Arguments = new[]
            {
                new ToolArgument("since", Text, "From this long ago (30m, 1h, 2d) or this timestamp."),
                new ToolArgument("until", Text, "Up to this long ago or this timestamp."),
                new ToolArgument("types", TextList, "Only these event types: " + string.Join(", ", OpsEventType.All) + "."),
                new ToolArgument("ticket", Text, "Only entries about this ticket."),
                new ToolArgument("agent", Text, "Only entries written by this agent."),
                new ToolArgument("limit", Number, $"At most this many entries (default {OpsLogQuery.DefaultLimit}; 0: no limit)."),
                new ToolArgument("include_archive", Flag, "Also read entries moved to the daily archive files."),
            },
            Invoke = (c, a) =>
            {
                var now = c.Project.Clock.GetUtcNow();
                int limit = a.Int("limit") ?? OpsLogQuery.DefaultLimit;
                var page = c.Project.OpsLog.ReadPage(new OpsLogQuery
                {
                    Since = a.String("since") is { } s ? TimeSpec.ParsePointInTime(s, now, "since") : null,
                    Until = a.String("until") is { } u ? TimeSpec.ParsePointInTime(u, now, "until") : null,
                    Agent = a.String("agent"), EventTypes = a.Strings("types"), TicketId = a.String("ticket"),
                    Limit = limit >= 0 ? limit : throw new InvalidInputException("InvalidLimit", "limit cannot be negative: use 0 for no limit."),
                    IncludeArchive = a.Bool("include_archive"),
                });
                string more = page.More > 0 ? $"{Environment.NewLine}({page.More} more not shown: raise limit or narrow with since, types or agent.)" : "";
                return new ToolOutcome(page.Entries, (page.Entries.Count == 0 ? "No entries." : string.Join(Environment.NewLine, page.Entries.Select(e => e.Formatted))) + more);
            },
        },
        new()
        {
            Name = "ops_write",
            Description = "Append an entry to the ops log ('fastband ops write'). Entries that announce work (" + string.Join(", ", WorkEventTypes.Order()) + ") are refused while a hold covers you.",
            Arguments = new[]
            {
                new ToolArgument("type", Text, "Event type: " + string.Join(", ", OpsEventType.All) + ".", Required: true),
                new ToolArgument("message", Text, "What happened.", Required: true),
                Ticket,
                new ToolArgument("metadata", Map, "Metadata as an object of key: value."),
            },
            Guard = a => WorkEventTypes.Contains(OpsEventType.Normalize(a.RequiredString("type"))) ? a.String("ticket") : McpToolDefinition.Unguarded,
            Invoke = (c, a) =>
            {
                string type = OpsEventType.Normalize(a.RequiredString("type"));
                if (c.Role != OpsRole && type is OpsEventType.Hold or OpsEventType.ClearanceGranted)
                    throw new InvalidInputException("OpsRoleOnly", $"Writing a {type} entry is for an ops server: start it with 'fastband mcp --role ops', or ask for clearance with request_clearance.");
                var entry = c.Project.OpsLog.Write(type, a.RequiredString("message"), a.String("ticket"), OpsLogService.ParseMetadataPairs(a.MetadataPairs("metadata")));
                return new ToolOutcome(entry, entry.Formatted);
            },
        },
        new()
        {
            Name = "request_clearance",
            Description = "Ask the other active agents for clearance to work on tickets despite a hold ('fastband ops request-clearance').",
            Arguments = new[]
            {
                new ToolArgument("tickets", TextList, "The tickets you want to work on.", Required: true),
                new ToolArgument("reason", Text, "Why.", Required: true),
            },
            Invoke = (c, a) =>
            {
                var r = c.Project.Directives.RequestClearance(a.RequiredStrings("tickets"), a.RequiredString("reason"));
                return new ToolOutcome(r, r.Message + (r.NotifiedCount > 0 ? $" ({string.Join(", ", r.NotifiedAgents)})" : ""));
            },
        },

        // ------------------------------------------------------------------ locks
        new()
        {
            Name = "lock_acquire",
            Description = "Lock files, folders or globs, all or nothing ('fastband lock acquire'). The lease belongs to this server's process: it is released when the client disconnects and reclaimable at once if the server dies. Refused (exit code 3) with the conflicts, or by a hold.",
            Arguments = new[]
            {
                new ToolArgument("paths", TextList, "The paths to lock (project-relative; globs allowed).", Required: true),
                new ToolArgument("ttl", Text, "How long the lease lasts unless renewed (default 1h)."),
                new ToolArgument("wait", Text, "Queue for up to this long (first come, first served; at most 10m). Default: try once."),
                new ToolArgument("shared", Flag, "A shared lock: others may share it, no one may take it exclusively."),
                new ToolArgument("reason", Text, "Why, for the board and the history."),
                new ToolArgument("ticket", Text, "The ticket the work is for (a clearance for it lets you lock during a hold)."),
            },
            Guard = a => a.String("ticket"),
            Waits = a => a.String("wait") is { } w && TimeSpec.ParseDuration(w, "wait") > TimeSpan.Zero,
            Invoke = (c, a) =>
            {
                var result = c.Project.Locks.Acquire(new LockRequest
                {
                    Resources = a.RequiredStrings("paths"), Shared = a.Bool("shared"), OwnerProcessId = Environment.ProcessId,
                    Ttl = a.String("ttl") is { } t ? TimeSpec.ParseDuration(t, "ttl") : null,
                    Wait = a.String("wait") is { } w ? Bounded(TimeSpec.ParseDuration(w, "wait"), "wait") : TimeSpan.Zero,
                    Reason = a.String("reason"), TicketId = a.String("ticket"),
                }, c.Cancellation);
                return new ToolOutcome(result, result.Message, result.Granted ? ToolErrors.Ok : ToolErrors.Blocked);
            },
        },
        new()
        {
            Name = "lock_renew",
            Description = "Extend a lease ('fastband lock renew'); exit code 3 if it is lost (expired, broken, released).",
            Arguments = new[]
            {
                new ToolArgument("lease", Text, "The lease id (lease-...).", Required: true),
                new ToolArgument("ttl", Text, "The new duration from now (default: the lease's own)."),
            },
            Invoke = (c, a) =>
            {
                var renewed = c.Project.Locks.Renew(a.RequiredString("lease"), a.String("ttl") is { } t ? TimeSpec.ParseDuration(t, "ttl") : null);
                return new ToolOutcome(renewed, $"Renewed {renewed}.");
            },
        },
        new()
        {
            Name = "lock_release",
            Description = "Release a lease by id, or your locks on paths ('fastband lock release'). Releasing twice is harmless.",
            Arguments = new[]
            {
                new ToolArgument("lease", Text, "The lease id to release."),
                new ToolArgument("paths", TextList, "Or: release your own locks on these paths."),
            },
            Invoke = (c, a) =>
            {
                string? id = a.String("lease");
                string[] paths = a.Strings("paths") ?? Array.Empty<string>();
                if ((id is null) == (paths.Length == 0))
                    throw new InvalidInputException("ReleaseWhat", "Say what to release: either lease or paths, not both.");
                var result = id is not null ? c.Project.Locks.Release(id) : c.Project.Locks.ReleasePaths(paths);
                return new ToolOutcome(result, result.Message);
            },
        },
        new()
        {
            Name = "lock_check", ReadOnly = true,
            Description = "Who holds what you want ('fastband lock check'): the conflicts, none when it is free.",
            Arguments = new[]
            {
                new ToolArgument("paths", TextList, "The paths you are about to lock.", Required: true),
                new ToolArgument("shared", Flag, "Check for a shared lock instead of an exclusive one."),
            },
            Invoke = (c, a) =>
            {
                var conflicts = c.Project.Locks.Check(a.RequiredStrings("paths"), a.Bool("shared"));
                return new ToolOutcome(conflicts, conflicts.Count == 0 ? "Free." : string.Join(Environment.NewLine, conflicts));
            },
        },

        // ------------------------------------------------------------------ messages, status, board
        new()
        {
            Name = "msg_send",
            Description = "Send a message to a registered agent ('fastband msg send'; exit code 4 if there is no such agent).",
            Arguments = new[]
            {
                new ToolArgument("to", Text, "The registered agent to send to.", Required: true),
                new ToolArgument("message", Text, "What to say.", Required: true),
                new ToolArgument("kind", Text, "One of " + string.Join(", ", Core.Messaging.MessageKind.All) + " (default info)."),
                new ToolArgument("thread", Text, "A conversation name, e.g. handoff-1205."),
            },
            Invoke = (c, a) =>
            {
                var m = c.Project.Messages.Send(a.RequiredString("to"), a.RequiredString("message"), a.String("kind"), a.String("thread"));
                return new ToolOutcome(m, $"Sent message {m.Id} to {m.Recipient} (#{m.Seq}).");
            },
        },
        new()
        {
            Name = "msg_read",
            Description = "Your unread messages, oldest first ('fastband msg read').",
            Arguments = new[]
            {
                new ToolArgument("all", Flag, "Also show messages already acknowledged."),
                new ToolArgument("ack", Flag, "Acknowledge the unread messages shown."),
                new ToolArgument("limit", Number, $"At most this many (default {Core.Messaging.MessageService.DefaultLimit}; 0: no limit)."),
            },
            Invoke = (c, a) =>
            {
                bool all = a.Bool("all"), ack = a.Bool("ack");
                var list = c.Project.Messages.Read(all, ack, a.Int("limit") ?? Core.Messaging.MessageService.DefaultLimit);
                string text = list.Count == 0 ? (all ? "No messages." : "No unread messages.")
                    : string.Join(Environment.NewLine, list.Select(m => $"{m.Id}  {m.Formatted}" + (m.IsAcknowledged && !ack ? "  (acknowledged)" : "")));
                return new ToolOutcome(list, text);
            },
        },
        new()
        {
            Name = "msg_ack",
            Description = "Acknowledge your messages by id ('fastband msg ack'; exit code 4, acknowledging nothing, if one is not yours).",
            Arguments = new[] { new ToolArgument("ids", NumberList, "The ids of your messages.", Required: true) },
            Invoke = (c, a) =>
            {
                var r = c.Project.Messages.Ack(a.RequiredLongs("ids"));
                return new ToolOutcome(r, $"{r}.");
            },
        },
        new()
        {
            Name = "status_set",
            Description = "Set your status on the status board ('fastband status set'); it replaces your previous one.",
            Arguments = new[]
            {
                new ToolArgument("status", Text, "One of " + string.Join(", ", Core.Board.WorkStatus.All) + ".", Required: true),
                new ToolArgument("files", TextList, "The files involved."),
                Ticket,
                new ToolArgument("note", Text, "A few words more."),
            },
            Invoke = (c, a) =>
            {
                var s = c.Project.Board.SetStatus(a.RequiredString("status"), a.Strings("files"), a.String("ticket"), a.String("note"));
                return new ToolOutcome(s, $"Status set: {s}");
            },
        },
        new()
        {
            Name = "board", ReadOnly = true,
            Description = "The status board ('fastband board'): what each agent is on, active locks, recent releases and refused acquisitions.",
            Arguments = new[] { new ToolArgument("history", Number, $"How many recent releases and refusals (default {Core.Board.BoardService.DefaultHistory}).") },
            Invoke = (c, a) =>
            {
                var board = c.Project.Board.GetBoard(a.Int("history") ?? Core.Board.BoardService.DefaultHistory);
                return new ToolOutcome(board, $"{board.Agents.Count} agents, {board.ActiveLocks.Count} active locks: "
                    + string.Join("; ", board.Agents.Select(x => $"{x.Name}: {x.Status ?? "(no status)"}{(x.TicketId is null ? "" : " on #" + x.TicketId)}")));
            },
        },

        // ------------------------------------------------------------------ issues and fixes
        new()
        {
            Name = "issues_ready", ReadOnly = true,
            Description = "Issues ready to claim ('fastband issue ready'): unclaimed and not blocked, most severe first, then oldest.",
            Arguments = new[]
            {
                new ToolArgument("severity", Text, "Only this severity: " + string.Join(", ", IssueSeverity.All) + "."),
                new ToolArgument("limit", Number, "At most this many (0: no limit)."),
            },
            Invoke = (c, a) =>
            {
                var list = c.Project.Issues.Ready(a.String("severity"), a.Int("limit") ?? 0);
                return new ToolOutcome(list, list.Count == 0 ? "Nothing is ready to claim." : string.Join(Environment.NewLine, list.Select(i => $"{i.Id} [{i.Severity}] {i.Title}")));
            },
        },
        new()
        {
            Name = "issue_claim",
            Description = "Claim an issue ('fastband issue claim'): exactly one of any number of racing agents wins and gets a claim token; refused (exit code 3) naming the holder or the hold.",
            Arguments = new[]
            {
                new ToolArgument("id", Text, "The issue id, such as issue_007.", Required: true),
                new ToolArgument("take_stale", Flag, "Also take over a claim whose holder has not been seen for issues.staleClaimAfter (audited)."),
            },
            Guard = a => a.RequiredString("id"),
            Invoke = (c, a) =>
            {
                var issue = c.Project.Issues.Claim(a.RequiredString("id"), a.Bool("take_stale"));
                return new ToolOutcome(issue, $"Claimed {issue.Id} (claim token {issue.ClaimToken}): {issue.Title}");
            },
        },
        new()
        {
            Name = "issue_release",
            Description = "Give up your claim on an issue ('fastband issue release'); it becomes ready again.",
            Arguments = new[]
            {
                new ToolArgument("id", Text, "The issue id.", Required: true),
                new ToolArgument("force", Flag, "Release another agent's claim (needs reason; audited)."),
                new ToolArgument("reason", Text, "Why (required with force)."),
                new ToolArgument("token", Number, "Release only if the claim is still the one that got this claim token."),
            },
            Invoke = (c, a) =>
            {
                var issue = c.Project.Issues.Release(a.RequiredString("id"), a.Bool("force"), a.String("reason"), a.Long("token"));
                return new ToolOutcome(issue, $"Released {issue.Id}; it is {issue.Status} again.");
            },
        },
        new()
        {
            Name = "fix_submit",
            Description = "Propose a fix for an issue you hold ('fastband fix submit'); another agent applies or rejects it.",
            Arguments = new[]
            {
                new ToolArgument("issue", Text, "The issue the fix resolves (you must hold its claim).", Required: true),
                new ToolArgument("title", Text, "What the fix does, in a few words.", Required: true),
                new ToolArgument("approach", Text, "How it works.", Required: true),
                new ToolArgument("files", TextList, "The files changed."),
                new ToolArgument("lines", Text, "The lines changed, such as 450-480."),
                new ToolArgument("tested", Flag, "The fix was tested."),
                new ToolArgument("test_notes", Text, "How it was tested."),
                new ToolArgument("id", Text, "The id to use (default: the next fix_NNN)."),
                new ToolArgument("token", Number, "Your claim token: the fix is refused if your claim has changed hands since."),
            },
            Guard = a => a.RequiredString("issue"),
            Invoke = (c, a) =>
            {
                var fix = c.Project.Issues.Submit(new NewFix
                {
                    Id = a.String("id"), IssueId = a.RequiredString("issue"), Title = a.RequiredString("title"), Approach = a.RequiredString("approach"),
                    Files = a.Strings("files") ?? Array.Empty<string>(), Lines = a.String("lines"), Tested = a.Bool("tested"), TestNotes = a.String("test_notes"),
                    ClaimToken = a.Long("token"),
                });
                return new ToolOutcome(fix, $"Proposed {fix.Id} for {fix.IssueId}: {fix.Title}");
            },
        },
        new()
        {
            Name = "checkpoint",
            Description = "Commit outstanding work, tag it checkpoint-NAME and record it ('fastband git checkpoint'); an existing name is refused unless force.",
            Arguments = new[]
            {
                new ToolArgument("name", Text, "The checkpoint's name (the tag is checkpoint-NAME).", Required: true),
                new ToolArgument("description", Text, "What this checkpoint is."),
                new ToolArgument("force", Flag, "Move an existing checkpoint of this name here."),
            },
            Guard = _ => null,
            Invoke = (c, a) =>
            {
                var cp = c.Project.Git.CreateCheckpoint(a.RequiredString("name"), a.String("description"), a.Bool("force"));
                return new ToolOutcome(cp, $"Checkpoint {cp.Name} at {cp.ShortId} (tag {cp.Tag})" + (cp.Replaced ? ", moved from its old commit." : "."));
            },
        },

        // ------------------------------------------------------------------ ops only
        new()
        {
            Name = "hold", OpsOnly = true,
            Description = "Post a hold ('fastband ops hold'): the agents it covers may not work until it is lifted or they are cleared.",
            Arguments = new[]
            {
                new ToolArgument("reason", Text, "Why work must stop.", Required: true),
                new ToolArgument("agents", TextList, "Only these agents. Default: everyone."),
                new ToolArgument("tickets", TextList, "Only work on these tickets. Default: all work."),
            },
            Invoke = (c, a) =>
            {
                var d = c.Project.Directives.Hold(a.RequiredString("reason"), a.Strings("agents"), a.Strings("tickets"));
                return new ToolOutcome(d, $"HOLD posted (id {d.Id}): {d.Formatted}");
            },
        },
        new()
        {
            Name = "lift", OpsOnly = true,
            Description = "Lift the holds in force, or one by id ('fastband ops lift').",
            Arguments = new[]
            {
                new ToolArgument("reason", Text, "Why work may resume."),
                new ToolArgument("id", Number, "Lift only this hold. Default: every hold in force."),
            },
            Invoke = (c, a) =>
            {
                var d = c.Project.Directives.Lift(a.String("reason"), a.Long("id"));
                return new ToolOutcome(d, $"Lifted: {d.Formatted}");
            },
        },
        new()
        {
            Name = "clearance_grant", OpsOnly = true,
            Description = "Grant agents clearance to work on tickets despite the holds in force ('fastband ops clearance').",
            Arguments = new[]
            {
                new ToolArgument("to", TextList, "The agents cleared.", Required: true),
                new ToolArgument("tickets", TextList, "The tickets they are cleared for. Default: all work."),
                new ToolArgument("reason", Text, "Why.", Required: true),
            },
            Invoke = (c, a) =>
            {
                var d = c.Project.Directives.GrantClearance(a.RequiredStrings("to"), a.Strings("tickets"), a.RequiredString("reason"));
                return new ToolOutcome(d, $"Clearance granted (id {d.Id}): {d.Formatted}");
            },
        },
        new()
        {
            Name = "lock_break", OpsOnly = true,
            Description = "Take another agent's lock away ('fastband lock break'): recorded, the holder is told, its fencing token stops validating.",
            Arguments = new[]
            {
                new ToolArgument("path", Text, "The path whose other holders lose their locks.", Required: true),
                new ToolArgument("reason", Text, "Why (recorded and sent to the holder).", Required: true),
            },
            Invoke = (c, a) =>
            {
                var r = c.Project.Locks.Break(a.RequiredString("path"), a.RequiredString("reason"));
                return new ToolOutcome(r, r.Message);
            },
        },
        new()
        {
            Name = "fix_apply", OpsOnly = true,
            Description = "Apply (approve) a proposed fix ('fastband fix apply'): its issue is resolved.",
            Arguments = new[] { new ToolArgument("id", Text, "The fix id, such as fix_011.", Required: true) },
            Invoke = (c, a) =>
            {
                var fix = c.Project.Issues.Apply(a.RequiredString("id"));
                return new ToolOutcome(fix, $"Applied {fix.Id}; {fix.IssueId} is resolved (verified by {string.Join(", ", fix.VerifiedBy)}).");
            },
        },
        new()
        {
            Name = "fix_reject", OpsOnly = true,
            Description = "Reject a proposed fix with a reason ('fastband fix reject'); its issue goes back to in progress.",
            Arguments = new[]
            {
                new ToolArgument("id", Text, "The fix id.", Required: true),
                new ToolArgument("reason", Text, "What the implementer should change.", Required: true),
            },
            Invoke = (c, a) =>
            {
                var fix = c.Project.Issues.Reject(a.RequiredString("id"), a.RequiredString("reason"));
                return new ToolOutcome(fix, $"Rejected {fix.Id}; {fix.IssueId} is back in progress.");
            },
        },
    };
}

/// <summary>What <c>start</c> returns: everything an agent reads before its first step, in one answer.</summary>
public sealed class SessionStart
{
    public required AgentRegistration Agent { get; init; }
    public required WorkPermission Permission { get; init; }
    public required DirectiveStatus Directive { get; init; }
    public required IReadOnlyList<Core.Messaging.Message> UnreadMessages { get; init; }
    public required IReadOnlyList<Lease> Locks { get; init; }
    public required IReadOnlyList<Issue> Claims { get; init; }

    public string Summary() =>
        $"Registered {Agent.Name}. {Permission.Reason} {Directive.ActiveHolds.Count} hold(s) in force, {UnreadMessages.Count} unread message(s), "
        + $"{Locks.Count} lock(s), {Claims.Count} claimed issue(s)."
        + string.Concat(UnreadMessages.Select(m => Environment.NewLine + $"  message {m.Id}: {m.Formatted}"));
}
