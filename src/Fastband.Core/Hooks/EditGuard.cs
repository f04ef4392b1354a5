using Fastband.Core.Locks;
using Fastband.Core.OpsLog;

namespace Fastband.Core.Hooks;

/// <summary>What the guard decided about one tool call: the hook's exit code and sentence come from it.</summary>
public sealed class EditVerdict
{
    public string Agent { get; init; } = "";
    public string Tool { get; init; } = "";

    /// <summary>The files the call would change, project-relative (a path outside the project is not listed).</summary>
    public IReadOnlyList<string> Paths { get; init; } = Array.Empty<string>();

    /// <summary>True when the call changes nothing Fastband guards (a read-only tool, or no file named).</summary>
    public bool NotAnEdit { get; init; }

    public bool Allowed { get; init; }
    public bool Blocked => !Allowed;

    /// <summary>One sentence: why the call may or may not go ahead, and what to do next when it may not.</summary>
    public string Reason { get; init; } = "";

    public IReadOnlyList<Directive> BlockingHolds { get; init; } = Array.Empty<Directive>();
    public IReadOnlyList<RebuildStatus> BlockingRebuilds { get; init; } = Array.Empty<RebuildStatus>();

    /// <summary>Other agents' live exclusive leases on the files.</summary>
    public IReadOnlyList<Lease> BlockingLeases { get; init; } = Array.Empty<Lease>();

    public override string ToString() => Reason;
}

/// <summary>
/// Decides whether an agent's file edit may go ahead, before the agent tool makes it: refused while a hold (or
/// another agent's rebuild) covers the agent, as <c>ops check</c> answers, or while another agent holds an
/// exclusive lease on the file. Leases of the same agent in any session count as its own: the hook runs
/// outside the agent's sessions, so it cannot tell them apart, and an agent is not stopped by itself.
/// </summary>
public sealed class EditGuard
{
    /// <summary>Tools that only read: never refused, whatever matcher sent them here.</summary>
    public static readonly IReadOnlySet<string> ReadOnlyTools = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Read", "Glob", "Grep", "LS", "NotebookRead", "WebFetch", "WebSearch", "TodoRead", "TodoWrite", "Task", "ExitPlanMode", "BashOutput",
    };

    private readonly Coordinator _coordination;
    private readonly LockService _locks;
    private readonly string _root;
    private readonly CallerIdentity _caller;

    internal EditGuard(Coordinator coordination, LockService locks, string projectRoot, CallerIdentity caller)
    {
        _coordination = coordination;
        _locks = locks;
        _root = projectRoot;
        _caller = caller;
    }

    public EditVerdict Check(ToolCall call)
    {
        string agent = _caller.Agent;
        var paths = ProjectPaths(call);
        if (ReadOnlyTools.Contains(call.ToolName) || call.Paths.Count == 0 || paths.Count == 0)
        {
            string why = ReadOnlyTools.Contains(call.ToolName) ? $"{call.ToolName} only reads"
                : call.Paths.Count == 0 ? $"{call.ToolName} names no file"
                : $"{string.Join(", ", call.Paths)} is outside the project {_root}";
            return new EditVerdict { Agent = agent, Tool = call.ToolName, Paths = paths, NotAnEdit = true, Allowed = true, Reason = $"Nothing to guard: {why}." };
        }

        string files = string.Join(", ", paths);
        var permission = _coordination.Check();
        if (!permission.Allowed)
        {
            string next = permission.BlockingHolds.Count > 0
                ? "wait for the lift ('fastband ops wait') or ask ops for clearance ('fastband ops request-clearance')"
                : "wait until the rebuild completes ('fastband ops wait')";
            return new EditVerdict
            {
                Agent = agent, Tool = call.ToolName, Paths = paths, Allowed = false,
                BlockingHolds = permission.BlockingHolds, BlockingRebuilds = permission.BlockingRebuilds,
                Reason = $"Fastband blocks this {call.ToolName} of {files}: {permission.Reason.TrimEnd('.')}; {next}.",
            };
        }

        var leases = paths.SelectMany(p => _locks.HoldersOf(p))
            .Where(l => l.Mode == LockMode.Exclusive && !string.Equals(l.Agent, agent, StringComparison.OrdinalIgnoreCase))
            .DistinctBy(l => l.LeaseId).ToArray();
        if (leases.Length > 0)
        {
            var first = leases[0];
            return new EditVerdict
            {
                Agent = agent, Tool = call.ToolName, Paths = paths, Allowed = false, BlockingLeases = leases,
                Reason = $"Fastband blocks this {call.ToolName} of {files}: {first.Agent} holds it under an exclusive lock ({string.Join(", ", first.Resources)}, lease {first.LeaseId}, until {TimeSpec.Display(first.ExpiresAt)} UTC{(string.IsNullOrWhiteSpace(first.Reason) ? "" : $": {first.Reason}")}){(leases.Length > 1 ? $" and {leases.Length - 1} more lease(s) cover it" : "")}; ask for it with 'fastband lock request-handoff {paths[0]}', or message {first.Agent}.",
            };
        }

        return new EditVerdict { Agent = agent, Tool = call.ToolName, Paths = paths, Allowed = true, Reason = $"{agent} may {call.ToolName} {files}: no hold, rebuild or other agent's lock stands in the way." };
    }

    /// <summary>The call's files relative to the project; ones outside it are dropped (Fastband guards only its project).</summary>
    private List<string> ProjectPaths(ToolCall call)
    {
        var result = new List<string>();
        string baseDir = call.Cwd is { Length: > 0 } cwd && Path.IsPathRooted(cwd) ? cwd : _root;
        foreach (string p in call.Paths)
        {
            string full;
            try
            {
                full = Path.GetFullPath(p, baseDir);
            }
            catch (ArgumentException)
            {
                continue;
            }
            string relative = Path.GetRelativePath(_root, full);
            string normalized = relative.Replace('\\', '/');
            if (normalized == "." || normalized == ".." || normalized.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(normalized)) continue;
            if (!result.Contains(normalized, StringComparer.Ordinal)) result.Add(normalized);
        }
        return result;
    }
}
