using System.Globalization;
using System.Text;
using Fastband.Core.Store;

namespace Fastband.Core.Events;

/// <summary>
/// Each agent's cursor into the log: what it has not read yet (next), and how far it has handled it (ack), kept
/// in step with the seed's agent-&lt;id&gt;.checkpoint files, from which a cursor is taken when the store has none.
/// </summary>
internal sealed class EventCursors(EventLog log, IEventStore eventStore, CallerIdentity caller, TimeProvider clock, string filesDirectory)
{
    /// <summary>The seed's checkpoint file of an agent: the last interaction it handled.</summary>
    private string CheckpointPath(string agent) => Path.Combine(filesDirectory, $"agent-{agent}.checkpoint");

    /// <summary>
    /// The caller's cursor: the stored one, else one taken from the seed's checkpoint file (everything up to the
    /// interaction it names counts as handled), else 0.
    /// </summary>
    public EventCursor Cursor()
    {
        long acked = EffectiveCursor();
        return new EventCursor
        {
            Agent = caller.Agent, AckedId = acked, Interaction = acked == 0 ? 0 : eventStore.InteractionOf(acked) ?? 0,
            Pending = eventStore.CountAfter(acked), CursorFile = CheckpointPath(caller.Agent),
        };
    }

    private long EffectiveCursor()
    {
        if (eventStore.Cursor(caller.Agent) is { } stored) return stored;
        string file = CheckpointPath(caller.Agent);
        if (File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long interaction))
            return eventStore.LastIdUpToInteraction(interaction);
        return 0;
    }

    /// <summary>The events after the caller's cursor, oldest first, at most <paramref name="limit"/> (0: all). Reading moves nothing.</summary>
    public IReadOnlyList<InteractionEvent> Next(int limit = EventService.DefaultNextLimit)
    {
        if (limit < 0) throw new InvalidInputException("InvalidLimit", "The limit cannot be negative: use 0 for no limit.");
        log.TryReplay();
        return eventStore.Read(new EventQuery { AfterId = EffectiveCursor(), First = limit });
    }

    /// <summary>
    /// <see cref="Next(int)"/>, and with <paramref name="acknowledge"/> the cursor moved to the last event returned: read
    /// and acknowledge in one step, the same in every front end.
    /// </summary>
    public IReadOnlyList<InteractionEvent> Next(int limit, bool acknowledge)
    {
        var events = Next(limit);
        if (acknowledge && events.Count > 0) Ack(events[^1].Id);
        return events;
    }

    /// <summary>How many events there are after <paramref name="id"/>: what is left once <see cref="Next(int)"/> returned up to it.</summary>
    public long CountAfter(long id) => eventStore.CountAfter(id);

    /// <summary>
    /// Acknowledges every event up to <paramref name="upTo"/>: the cursor moves forward (never back), then the
    /// seed's agent-&lt;id&gt;.checkpoint file is rewritten (atomically) with that event's interaction.
    /// </summary>
    public EventCursor Ack(long upTo)
    {
        if (upTo < 1) throw new InvalidInputException("InvalidEventId", $"{upTo} is not an event id: ids start at 1; see them with 'fastband events next'.");
        if (eventStore.InteractionOf(upTo) is null)
            throw new NotFoundException("EventNotFound", $"There is no event #{upTo}, so nothing was acknowledged: acknowledge an id that 'fastband events next' showed you.");
        long floor = EffectiveCursor(); // a cursor taken from a checkpoint file is stored by the first ack
        var (acked, interaction, pending) = log.WithRetry("Acknowledging events", wait => eventStore.Ack(caller.Agent, Math.Max(upTo, floor), clock.GetUtcNow(), wait));
        string checkpoint = CheckpointPath(caller.Agent);
        Directory.CreateDirectory(filesDirectory);
        AtomicFiles.Write(checkpoint, Encoding.ASCII.GetBytes(interaction.ToString(CultureInfo.InvariantCulture) + "\n"));
        return new EventCursor { Agent = caller.Agent, AckedId = acked, Interaction = interaction, Pending = pending, CursorFile = checkpoint };
    }
}
