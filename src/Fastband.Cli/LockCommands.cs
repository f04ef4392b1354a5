using System.CommandLine;
using System.Text;
using Fastband.Core;
using Fastband.Core.Locks;
using Fastband.Core.Messaging;

namespace Fastband.Cli;

/// <summary><c>fastband lock ...</c>: locks as leases with fencing tokens.</summary>
internal static class LockCommands
{
    public static Command Build()
    {
        var command = new Command("lock", "Locks on files, folders and globs, as leases with fencing tokens.");
        command.Subcommands.Add(Acquire());
        command.Subcommands.Add(Renew());
        command.Subcommands.Add(Release());
        command.Subcommands.Add(Break());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Check());
        command.Subcommands.Add(Validate());
        command.Subcommands.Add(Cleanup());
        command.Subcommands.Add(RequestHandoff());
        return command;
    }

    private static Argument<string[]> Paths(string description, int minimum = 1) =>
        new("path") { Description = description, Arity = minimum == 0 ? ArgumentArity.ZeroOrMore : ArgumentArity.OneOrMore };

    private static Option<string> LeaseOption(bool required = true) => RuntimeCompletions.Leases(new Option<string>("--lease") { Description = "The lease id (lease-...).", Required = required });

    private static Command Acquire()
    {
        var paths = Paths("Project-relative files, folders (covering what is under them) or globs such as src/** .");
        var ttl = new Option<string?>("--ttl") { Description = "How long the lease lasts unless renewed (default 1h)." };
        var wait = new Option<string?>("--wait") { Description = "Queue for up to this long (first come, first served). Default: try once." };
        var shared = new Option<bool>("--shared") { Description = "A shared lock: others may share it, no one may take it exclusively." };
        var ownerPid = new Option<int?>("--owner-pid") { Description = "Tie the lease to this process: it ends when that process exits (e.g. your harness or shell: $$)." };
        var reason = new Option<string?>("--reason") { Description = "Why, for the board and the history." };
        var ticket = new Option<string?>("--ticket") { Description = "The ticket the work is for (a clearance for it lets you lock during a hold)." };
        var cmd = new Command("acquire", "Take locks, all or nothing. Exit 0 with the lease, 3 with the conflicts.") { paths, ttl, wait, shared, ownerPid, reason, ticket };
        cmd.SetAction((p, cancel) => Task.FromResult(Run.With(p, project =>
        {
            var result = project.Locks.Acquire(new LockRequest
            {
                Resources = p.GetValue(paths)!, Shared = p.GetValue(shared), OwnerProcessId = p.GetValue(ownerPid),
                Ttl = p.GetValue(ttl) is { } t ? TimeSpec.ParseDuration(t, "--ttl") : null,
                Wait = p.GetValue(wait) is { } w ? TimeSpec.ParseDuration(w, "--wait") : TimeSpan.Zero,
                Reason = p.GetValue(reason), TicketId = p.GetValue(ticket),
            }, cancel);
            return Outcome.Of(result, LockText.Result(result), result.Granted ? ExitCodes.Ok : ExitCodes.Blocked);
        }, writes: true)));
        return cmd;
    }

    private static Command Renew()
    {
        var lease = LeaseOption();
        var ttl = new Option<string?>("--ttl") { Description = "The new duration from now (default: the lease's own)." };
        var cmd = new Command("renew", "Extend a lease. Exit 3 if it is lost (expired, broken, released).") { lease, ttl };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var renewed = project.Locks.Renew(p.GetValue(lease)!, p.GetValue(ttl) is { } t ? TimeSpec.ParseDuration(t, "--ttl") : null);
            return Outcome.Of(renewed, $"Renewed {renewed}.");
        }, writes: true));
        return cmd;
    }

    private static Command Release()
    {
        var lease = LeaseOption(required: false);
        var paths = Paths("Release your own locks on these paths instead of naming a lease.", minimum: 0);
        var cmd = new Command("release", "Release a lease by id, or your locks on paths. Releasing twice is harmless.") { lease, paths };
        cmd.SetAction(p => Run.With(p, project =>
        {
            string? id = p.GetValue(lease);
            string[] given = p.GetValue(paths) ?? Array.Empty<string>();
            if ((id is null) == (given.Length == 0))
                throw new InvalidInputException("ReleaseWhat", "Say what to release: either --lease ID or one or more paths, not both.");
            var result = id is not null ? project.Locks.Release(id) : project.Locks.ReleasePaths(given);
            return Outcome.Of(result, result.Message);
        }, writes: true));
        return cmd;
    }

    private static Command Break()
    {
        var path = new Argument<string>("path") { Description = "The path whose other holders lose their locks." };
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the ops log and sent to the holder).", Required = true };
        var cmd = new Command("break", "Take another agent's lock away: recorded, the holder is told, its fencing token stops validating.") { path, reason };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var result = project.Locks.Break(p.GetValue(path)!, p.GetValue(reason)!);
            return Outcome.Of(result, result.Message);
        }, writes: true));
        return cmd;
    }

    private static Command List()
    {
        var cmd = new Command("list", "Locks held and who waits for them. Here --agent filters by holder.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var listing = project.Locks.List(p.GetValue(GlobalOptions.Agent));
            return Outcome.Of(listing, LockText.Listing(listing));
        }));
        return cmd;
    }

    private static Command Check()
    {
        var paths = Paths("The paths you are about to take.");
        var shared = new Option<bool>("--shared") { Description = "Check for a shared lock instead of an exclusive one." };
        var cmd = new Command("check", "Who holds what you want: exit 3 when anything conflicts, 0 when it is free.") { paths, shared };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var conflicts = project.Locks.Check(p.GetValue(paths)!, p.GetValue(shared));
            return Outcome.Of(conflicts, conflicts.Count == 0 ? "Free." : string.Join(Environment.NewLine, conflicts), conflicts.Count == 0 ? ExitCodes.Ok : ExitCodes.Blocked);
        }));
        return cmd;
    }

    private static Command Validate()
    {
        var lease = LeaseOption();
        var token = new Option<long>("--token") { Description = "The fencing token the holder shows.", Required = true };
        var cmd = new Command("validate", "Exit 0 if the token may still act under the lease, 3 if not (expired, broken, superseded).") { lease, token };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var v = project.Locks.Validate(p.GetValue(lease)!, p.GetValue(token));
            return Outcome.Of(v, v.Reason, v.Valid ? ExitCodes.Ok : ExitCodes.Blocked);
        }));
        return cmd;
    }

    private static Command Cleanup()
    {
        var cmd = new Command("cleanup", "Remove stale leases (expired, or their process dead on this host) and list them. Live leases are never touched.");
        cmd.SetAction(p => Run.With(p, project =>
        {
            var removed = project.Locks.Cleanup();
            return Outcome.Of(removed, removed.Count == 0 ? "No stale locks." : string.Join(Environment.NewLine, removed.Select(r => "Removed " + r)));
        }));
        return cmd;
    }

    private static Command RequestHandoff()
    {
        var path = new Argument<string>("path") { Description = "The path you need." };
        var note = new Option<string?>("--message") { Description = "What you need it for." };
        var cmd = new Command("request-handoff", "Send the holders of a path a handoff request. Exit 4 if no one else holds it.") { path, note };
        cmd.SetAction(p => Run.With(p, project =>
        {
            var holders = project.Locks.RequestHandoff(p.GetValue(path)!, p.GetValue(note));
            return Outcome.Of(holders, $"Handoff requested from {string.Join(", ", holders.Select(h => $"{h.Agent} ({h.LeaseId})"))}.");
        }, writes: true));
        return cmd;
    }
}

internal static class LockText
{
    public static string Result(LockResult r)
    {
        var sb = new StringBuilder(r.Message);
        foreach (var reclaimed in r.Reclaimed) sb.AppendLine().Append("  reclaimed stale lease ").Append(reclaimed);
        return sb.ToString();
    }

    public static string Listing(LockListing listing)
    {
        if (listing.Leases.Count == 0 && listing.Waiters.Count == 0) return "No locks held.";
        var sb = new StringBuilder();
        foreach (var l in listing.Leases)
            sb.AppendLine($"{l.LeaseId}  {l.Mode,-9}  {l.Agent,-16}  token {l.FencingToken,-6}  until {TimeSpec.Display(l.ExpiresAt)}  {string.Join(", ", l.Resources)}");
        foreach (var w in listing.Waiters)
            sb.AppendLine($"waiting #{w.QueueNumber}  {w.Mode,-9}  {w.Agent,-16}  since {TimeSpec.Display(w.EnqueuedAt)}  {string.Join(", ", w.Resources)}");
        return sb.ToString().TrimEnd();
    }
}
