using Fastband.Core.Git;
using Fastband.Core.Sessions;

namespace Fastband.Core.Store;

/// <summary>
/// Session state (seed 004) and the store's side of the git safety net: checkpoints and snapshots, each
/// with the session state that belongs to it.
/// </summary>
public interface ISessionStore
{
    /// <summary>
    /// Creates or replaces the session's whole state, the conversation included, in one write transaction; the creation
    /// time of an existing session is kept. The conversation is stored as its UTF-8 bytes: use
    /// <c>state.ConversationUtf8</c> when it is set (the validation already encoded it) rather than encoding again.
    /// </summary>
    SessionSummary SaveSession(SessionState state);

    /// <summary>The whole state, or null; read in one transaction (or snapshot), so a concurrent save never mixes two states.</summary>
    SessionState? GetSession(string sessionId);

    /// <summary>Every session without its contents, most recently updated first.</summary>
    IReadOnlyList<SessionSummary> ListSessions();

    /// <summary>Creates or replaces the record of a checkpoint.</summary>
    void SaveCheckpoint(CheckpointRecord record);

    CheckpointRecord? GetCheckpoint(string name);

    /// <summary>Every checkpoint record, without session contents (SessionState null; HasState says whether there is one).</summary>
    IReadOnlyList<(CheckpointRecord Record, bool HasState)> ListCheckpoints();

    void SaveSnapshot(SnapshotRecord record);

    SnapshotRecord? GetSnapshot(string snapshotId);

    /// <summary>Every snapshot record, without session contents.</summary>
    IReadOnlyList<(SnapshotRecord Record, bool HasState)> ListSnapshots();
}
