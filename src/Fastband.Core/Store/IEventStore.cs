using Fastband.Core.Events;

namespace Fastband.Core.Store;

/// <summary>The interaction event log and each agent's cursor into it.</summary>
public interface IEventStore
{
    /// <summary>
    /// Appends the events in order, in one write transaction that waits at most <paramref name="lockWait"/> for
    /// the write lock. Inside it the store resolves each interaction (current, new, or the number given), the
    /// time (now, never before the newest event, unless the event brings its own) and the occurrence. An event
    /// whose uid, or whose (fingerprint, occurrence), is already stored is skipped: its slot in the result is null.
    /// </summary>
    IReadOnlyList<InteractionEvent?> Append(IReadOnlyList<NewEvent> events, TimeSpan lockWait);

    /// <summary>Events matching the query, oldest (lowest id) first.</summary>
    IReadOnlyList<InteractionEvent> Read(EventQuery query);

    /// <summary>Every event ordered by interaction, then id: what a snapshot renders.</summary>
    IReadOnlyList<InteractionEvent> ReadByInteraction();

    /// <summary>The highest id ever assigned, or 0. Watchers poll it.</summary>
    long LatestId();

    /// <summary>The agent's cursor: the id up to which it acknowledged events, or null when it never did.</summary>
    long? Cursor(string agent);

    /// <summary>
    /// Moves the agent's cursor forward to <paramref name="upTo"/> (never back) and returns the cursor after the
    /// call with the interaction of its event and how many events follow it.
    /// </summary>
    (long AckedId, long Interaction, long Pending) Ack(string agent, long upTo, DateTimeOffset now, TimeSpan lockWait);

    /// <summary>The interaction of an event, or null when there is no such event.</summary>
    long? InteractionOf(long id);

    /// <summary>The highest id of an event in an interaction at or below <paramref name="interaction"/> (0: none).</summary>
    long LastIdUpToInteraction(long interaction);

    /// <summary>How many events have an id above <paramref name="afterId"/>.</summary>
    long CountAfter(long afterId);
}
