using Fastband.Core.OpsLog;

namespace Fastband.Core.Store;

/// <summary>
/// The project store. Features reach persistence only through these interfaces, so that a second
/// backend (PostgreSQL) can follow without touching them. Every implementation must pass the
/// conformance suite in tests/Fastband.Core.Tests/Store.
/// </summary>
public interface IFastbandStore : IDisposable
{
    /// <summary>Where the data lives, for messages: e.g. <c>sqlite:/repo/.fastband/fastband.db</c> or <c>postgres://user@host:5432/db</c> (never a password).</summary>
    string Location { get; }

    /// <summary>The schema version after migrations ran.</summary>
    int SchemaVersion { get; }

    IOpsLogStore OpsLog { get; }

    IAgentStore Agents { get; }

    ILockStore Locks { get; }

    IMessageStore Messages { get; }

    IStatusStore Statuses { get; }

    ILeaderStore Leader { get; }

    /// <summary>The store's own integrity check (SQLite: PRAGMA quick_check): the problems found, none when sound.</summary>
    IReadOnlyList<string> QuickCheck();
    IEventStore Events { get; }

    IIssueStore Issues { get; }
    ISessionStore Sessions { get; }
    /// <summary>Wake-ups for follow modes: pushed by the server (PostgreSQL) or polled (SQLite).</summary>
    IStoreNotifications Notifications { get; }
}

/// <summary>An agent's presence to record in the same transaction as an ops log entry.</summary>
public sealed record AgentTouch(string Agent, string Host, int ProcessId, DateTimeOffset? ProcessStartedAt)
{
    /// <summary>What to do with the agent's current ticket.</summary>
    public TicketChange Ticket { get; init; } = TicketChange.Keep;

    public string? TicketId { get; init; }
}

public enum TicketChange
{
    Keep,
    /// <summary>Set the current ticket to <see cref="AgentTouch.TicketId"/>.</summary>
    Set,
    /// <summary>Clear the current ticket if it is <see cref="AgentTouch.TicketId"/> (or whatever it is, when that is null).</summary>
    Clear,
}

public interface IOpsLogStore
{
    /// <summary>
    /// Appends one entry atomically and, in the same transaction, records the writer's presence.
    /// The store assigns the id (strictly increasing) and the timestamp (taken inside the write lock,
    /// so that on one host timestamps never go backwards as ids go up).
    /// </summary>
    OpsLogEntry Append(NewOpsLogEntry entry, AgentTouch? touch);

    /// <summary>Entries matching the query, newest first.</summary>
    IReadOnlyList<OpsLogEntry> Query(OpsLogQuery query);

    /// <summary>The highest id ever assigned, or 0.</summary>
    long LatestId();

    /// <summary>
    /// The id of the newest hold, lift or clearance entry, or 0: a change of directives moves it. A write that
    /// depends on the holds (a lock grant, a claim) compares it inside its transaction with the value read
    /// before the holds were evaluated, so a hold posted in between is never missed.
    /// </summary>
    long DirectiveHighWater();

    long Count();

    /// <summary>
    /// Moves entries older than <paramref name="cutoff"/> out of the live store, oldest first, at most
    /// <paramref name="batchSize"/> per call. <paramref name="sink"/> must persist the batch durably before
    /// it returns; the entries are deleted only after it succeeds, in the same write transaction.
    /// </summary>
    /// <returns>How many entries moved.</returns>
    int MoveOlderThan(DateTimeOffset cutoff, int batchSize, Action<IReadOnlyList<OpsLogEntry>> sink);
}

public interface IAgentStore
{
    /// <summary>Creates or refreshes the agent's session.</summary>
    AgentRegistration Register(AgentTouch touch, DateTimeOffset now);

    AgentRegistration? Get(string agent);

    /// <summary>Every known agent, most recently seen first.</summary>
    IReadOnlyList<AgentRegistration> List();
}
