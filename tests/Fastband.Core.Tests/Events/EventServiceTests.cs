using Fastband.Core.Events;
using Xunit;

namespace Fastband.Core.Tests.Events;

public class EventServiceTests : ProjectTest
{
    [Fact]
    public void Log_joins_the_current_interaction_starts_a_new_one_or_uses_the_number_given()
    {
        var a = As("agent_a");
        var first = a.Events.Log("question", "How do I start the MCP server?");
        Clock.Advance(TimeSpan.FromSeconds(1));
        var answer = As("agent_b").Events.Log("answer", "Run ./start.sh");
        var second = a.Events.Log("question", "Which port?", newInteraction: true);
        var late = a.Events.Log("followup", "Thanks", interaction: 1);

        Assert.Equal((1L, 1L, 2L, 1L), (first.Interaction, answer.Interaction, second.Interaction, late.Interaction));
        Assert.Equal(new long[] { 1, 2, 3, 4 }, new[] { first.Id, answer.Id, second.Id, late.Id });
        Assert.Equal("agent_b", answer.Actor);
        Assert.Equal(Clock.GetUtcNow(), second.Timestamp);
        Assert.False(first.Queued);
        var stored = a.Events.Read(new EventQuery { Interaction = 1 });
        Assert.Equal(new[] { "question", "answer", "followup" }, stored.Select(e => e.Type));
        Assert.Equal("How do I start the MCP server?", stored[0].Content);
    }

    [Theory]
    [InlineData("")]
    [InlineData("9lives")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("a_type_name_that_is_far_too_long_for_a_type")]
    public void A_type_of_the_wrong_shape_is_refused_and_nothing_is_written(string type)
    {
        var a = As("agent_a");
        var e = Assert.Throws<InvalidInputException>(() => a.Events.Log(type, "x"));
        Assert.Equal("InvalidEventType", e.ErrorId);
        Assert.Contains("leader_election", e.Message);
        Assert.Empty(a.Events.Read(new EventQuery()));
    }

    [Fact]
    public void User_named_types_are_kept_normalised_and_the_seed_types_pass_as_they_are()
    {
        var a = As("agent_a");
        foreach (var t in EventType.Known) Assert.Equal(t, a.Events.Log(t, "x").Type);
        Assert.Equal("review_request", a.Events.Log("Review-Request", "look at #12").Type);
    }

    [Fact]
    public void An_interaction_number_and_a_new_interaction_at_once_are_refused()
    {
        var a = As("agent_a");
        Assert.Equal("InvalidInteraction", Assert.Throws<InvalidInputException>(() => a.Events.Log("question", "x", 3, newInteraction: true)).ErrorId);
        Assert.Equal("InvalidInteraction", Assert.Throws<InvalidInputException>(() => a.Events.Log("question", "x", 0)).ErrorId);
        Assert.Empty(a.Events.Read(new EventQuery()));
    }

    [Fact]
    public void ErrorRecorded_fires_after_the_error_event_is_committed_and_a_throwing_handler_harms_nothing()
    {
        var a = As("agent_a");
        IEventRecorder recorder = a.Events;
        var seen = new List<(EventNotice Notice, int StoredAtThatMoment)>();
        var reader = As("reader");
        recorder.ErrorRecorded += _ => throw new InvalidOperationException("a broken alert sink");
        recorder.ErrorRecorded += n => seen.Add((n, reader.Events.Read(new EventQuery { Types = new[] { "error" } }).Count));

        recorder.Record("question", "not an error");
        var notice = recorder.Record("error", "Failed to acquire lock on events.log");

        var single = Assert.Single(seen);
        Assert.Equal(notice, single.Notice);
        Assert.Equal(1, single.StoredAtThatMoment); // a second connection already sees it: committed before the handlers ran
        Assert.Equal(("agent_a", "error", 1L), (notice.Actor, notice.Type, notice.Interaction));
    }

    [Fact]
    public void Reading_filters_by_type_actor_and_id_and_limit_keeps_the_newest_oldest_first()
    {
        var a = As("agent_a");
        for (int i = 1; i <= 6; i++) (i % 2 == 0 ? As("agent_b") : a).Events.Log(i % 3 == 0 ? "heartbeat" : "question", $"e{i}");
        Assert.Equal(new[] { "e3", "e6" }, a.Events.Read(new EventQuery { Types = new[] { "HEARTBEAT" } }).Select(e => e.Content));
        Assert.Equal(new[] { "e2", "e4", "e6" }, a.Events.Read(new EventQuery { Actor = "agent_b" }).Select(e => e.Content));
        Assert.Equal(new[] { "e5", "e6" }, a.Events.Read(new EventQuery { Limit = 2 }).Select(e => e.Content));
        Assert.Equal(new[] { "e5", "e6" }, a.Events.Read(new EventQuery { AfterId = 4 }).Select(e => e.Content));
    }

    [Fact]
    public void Timestamps_never_go_back_as_ids_go_up_even_when_the_clock_is_stepped_back()
    {
        var a = As("agent_a");
        var first = a.Events.Log("question", "one");
        Clock.Advance(TimeSpan.FromMinutes(-5));
        var second = a.Events.Log("answer", "two");
        Assert.Equal(first.Timestamp, second.Timestamp);
    }
}

/// <summary>The tests above, unchanged, on a PostgreSQL store (a fresh schema per test through FASTBAND_STORE): logging, reading, interactions and the transcript.</summary>
[Collection(Concurrency.MultiProcessRaces.Name)] // out of the way of the backup tests that fingerprint the server's WAL position
public sealed class PostgresEventServiceTests : EventServiceTests
{
    public PostgresEventServiceTests() => Dir.UsePostgres("events");
}
