using System.Text.Json;
using Fastband.Core.Sessions;
using Xunit;

namespace Fastband.Core.Tests.Sessions;

/// <summary>Session state in the real SQLite store: saved and restored whole, malformed input refused with nothing saved.</summary>
public class SessionServiceTests : ProjectTest
{
    private FastbandProject Open(string agent, string? session) =>
        Track(FastbandProject.Open(new ProjectOptions { ProjectPath = Dir.Root, Agent = agent, Session = session, Clock = Clock, Environment = _ => null }));

    private readonly List<FastbandProject> _mine = new();

    private FastbandProject Track(FastbandProject p) { _mine.Add(p); return p; }

    public override void Dispose()
    {
        foreach (var p in _mine) p.Dispose();
        base.Dispose();
    }

    [Fact]
    public void Save_then_restore_returns_the_whole_state_after_the_store_is_reopened()
    {
        string conversation = JsonSerializer.Serialize(Enumerable.Range(0, 50).Select(i => new { role = i % 2 == 0 ? "user" : "assistant", content = $"message {i} \u00e9\u4e2d \"quoted\"" }));
        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = Dir.Root, Agent = "alice", Session = "s1", Clock = Clock, Environment = _ => null }))
        {
            var saved = p.Sessions.Save(new SessionInput { ConversationHistory = conversation, AgentContexts = "{\"alice\":{\"memory\":[1,2,3]}}", TaskProgress = "{\"T1\":0.5}", CurrentTask = "T1" });
            Assert.Equal("s1", saved.SessionId);
            Assert.Equal(50, saved.MessageCount);
        }
        Clock.Advance(TimeSpan.FromMinutes(5));
        var again = Open("bob", null);
        var state = again.Sessions.Get("s1");
        Assert.Equal(conversation, state.ConversationHistory);
        Assert.Equal("{\"alice\":{\"memory\":[1,2,3]}}", state.AgentContexts);
        Assert.Equal("{\"T1\":0.5}", state.TaskProgress);
        Assert.Equal("T1", state.CurrentTask);
        Assert.Equal("alice", state.Agent);
        Assert.Equal(50, state.MessageCount);

        // A second save replaces the state and keeps the creation time.
        var replaced = again.Sessions.Save(new SessionInput { SessionId = "s1", ConversationHistory = "[]" });
        Assert.Equal(state.CreatedAt, replaced.CreatedAt);
        Assert.True(replaced.UpdatedAt > state.UpdatedAt);
        Assert.Null(again.Sessions.Get("s1").AgentContexts);
        Assert.Equal(new[] { "s1" }, again.Sessions.List().Select(s => s.SessionId));
    }

    [Theory]
    [InlineData("[{\"role\":\"user\"", null, null, "not valid JSON")]
    [InlineData("{\"not\":\"an array\"}", null, null, "must be a JSON array")]
    [InlineData("[] []", null, null, "not valid JSON")]
    [InlineData("[]", "[1,2]", null, "must be a JSON object")]
    [InlineData("[]", null, "{bad json}", "not valid JSON")]
    [InlineData("", null, null, "is empty")]
    public void Malformed_json_is_refused_with_the_reason_and_nothing_is_saved(string conversation, string? contexts, string? progress, string reason)
    {
        var p = Open("alice", "s1");
        p.Sessions.Save(new SessionInput { ConversationHistory = "[1]", CurrentTask = "before" });

        var e = Assert.Throws<InvalidInputException>(() => p.Sessions.Save(new SessionInput { ConversationHistory = conversation, AgentContexts = contexts, TaskProgress = progress, CurrentTask = "after" }));

        Assert.Contains(reason, e.Message);
        Assert.Contains("nothing was saved", e.Message);
        var state = p.Sessions.Get();
        Assert.Equal("[1]", state.ConversationHistory);
        Assert.Equal("before", state.CurrentTask);
    }

    [Fact]
    public void A_missing_or_invalid_session_id_is_refused_and_an_unknown_one_is_not_found()
    {
        var p = Open("alice", null);
        Assert.Equal("NoSessionId", Assert.Throws<InvalidInputException>(() => p.Sessions.Save(new SessionInput { ConversationHistory = "[]" })).ErrorId);
        Assert.Equal("InvalidSessionId", Assert.Throws<InvalidInputException>(() => p.Sessions.Save(new SessionInput { SessionId = "a b", ConversationHistory = "[]" })).ErrorId);
        Assert.Equal("SessionNotFound", Assert.Throws<NotFoundException>(() => p.Sessions.Get("ghost")).ErrorId);
        Assert.Empty(p.Sessions.List());
    }

    [Fact]
    public void A_state_document_round_trips_through_the_json_the_cli_writes()
    {
        var p = Open("alice", "s1");
        p.Sessions.Save(new SessionInput { ConversationHistory = "[{\"a\":1}]", AgentContexts = "{\"x\":true}", CurrentTask = "T" });
        string json = FastbandJson.Serialize(p.Sessions.Get());
        using (var doc = JsonDocument.Parse(json))
            Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("conversationHistory").ValueKind); // JSON, not a string

        var input = SessionService.ParseDocument(json, "the file");
        p.Sessions.Save(input with { SessionId = "s2" });
        var copy = p.Sessions.Get("s2");
        Assert.Equal("[{\"a\":1}]", copy.ConversationHistory);
        Assert.Equal("{\"x\":true}", copy.AgentContexts);
        Assert.Null(copy.TaskProgress);
        Assert.Equal("T", copy.CurrentTask);
        Assert.Contains("not valid JSON", Assert.Throws<InvalidInputException>(() => SessionService.ParseDocument("{", "the file")).Message);
    }

    [Fact]
    public void A_10_MB_conversation_is_kept_in_the_store_row_and_restored_byte_for_byte()
    {
        // Multi-byte UTF-8 (2, 3 and 4 bytes: é, 中, an emoji as a surrogate pair) and escapes, over 10 MiB.
        var sb = new System.Text.StringBuilder(11 * 1024 * 1024).Append('[');
        for (int i = 0; sb.Length < 10 * 1024 * 1024; i++)
            sb.Append(i == 0 ? "" : ",").Append("{\"role\":\"user\",\"content\":\"m").Append(i).Append(" \u00e9\u4e2d\ud83d\ude00 \\\"q\\\" ").Append('x', i % 700).Append("\"}");
        string conversation = sb.Append(']').ToString();
        string replacement = conversation.Replace("user", "asst");
        using (var p = FastbandProject.Open(new ProjectOptions { ProjectPath = Dir.Root, Agent = "alice", Clock = Clock, Environment = _ => null }))
        {
            var saved = p.Sessions.Save(new SessionInput { SessionId = "big", ConversationHistory = conversation, AgentContexts = "{\"a\":1}" });
            Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(conversation) + 7, saved.SizeBytes);
            p.Sessions.Save(new SessionInput { SessionId = "other", ConversationHistory = replacement });
        }

        // Another process (a new open) reads it back whole and exact.
        var again = Open("bob", null);
        var state = again.Sessions.Get("big");
        Assert.Equal(conversation, state.ConversationHistory); // ordinal, char for char
        Assert.Equal(replacement, again.Sessions.Get("other").ConversationHistory);

        // It lives in the row, as its UTF-8 bytes, and nowhere else: no side files beside the database.
        if (again.Store is Fastband.Core.Store.SqliteStore)
        {
            using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Dir.StateDir, FastbandProject.DatabaseFileName)};Mode=ReadOnly;Pooling=False"))
            {
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "SELECT typeof(conversation), conversation FROM sessions WHERE session_id = 'big';";
                using var r = cmd.ExecuteReader();
                Assert.True(r.Read());
                Assert.Equal("blob", r.GetString(0));
                Assert.True(System.Text.Encoding.UTF8.GetBytes(conversation).AsSpan().SequenceEqual(r.GetFieldValue<byte[]>(1)));
            }
        }
        Assert.False(Directory.Exists(Path.Combine(Dir.StateDir, "sessions")));

        // Replacing it (a smaller one, then the big one again) restores exactly what the last save wrote.
        again.Sessions.Save(new SessionInput { SessionId = "big", ConversationHistory = "[\"\u00e9\"]" });
        Assert.Equal("[\"\u00e9\"]", again.Sessions.Get("big").ConversationHistory);
        again.Sessions.Save(new SessionInput { SessionId = "big", ConversationHistory = replacement });
        Assert.Equal(replacement, again.Sessions.Get("big").ConversationHistory);

        // A large save checkpoints apart from its commit and leaves the automatic checkpoint as the store has it.
        if (again.Store is Fastband.Core.Store.SqliteStore sqlite) Assert.Equal(1000, sqlite.Scalar<int>("PRAGMA wal_autocheckpoint;"));
    }

    [Fact]
    public void A_restore_reads_inside_a_write_transaction_without_opening_a_second_one()
    {
        // Git checkpoints read the session while the store may be inside a write (the read must join it, not BEGIN again).
        var p = Open("alice", "s1");
        p.Sessions.Save(new SessionInput { ConversationHistory = "[1,2,3]" });
        var inside = p.Store is Fastband.Core.Store.RelationalStore s
            ? s.InWriteTransaction(() => p.Store.Sessions.GetSession("s1"))
            : throw new InvalidOperationException($"no write transaction for {p.Store.GetType().Name}");
        Assert.Equal("[1,2,3]", inside!.ConversationHistory);
        Assert.Null(p.Store.Sessions.GetSession("ghost"));
    }
}

/// <summary>Session save, restore and validation on PostgreSQL, the 10 MB conversation included.</summary>
[Xunit.Collection(Concurrency.MultiProcessRaces.Name)]
public sealed class PostgresSessionServiceTests : SessionServiceTests
{
    public PostgresSessionServiceTests() => Dir.UsePostgres("sessions");
}
