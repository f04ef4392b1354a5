using Fastband.Core.Backup;
using Fastband.Core.Board;
using Fastband.Core.Events;
using Fastband.Core.Issues;
using Fastband.Core.Leader;
using Fastband.Core.Messaging;
using Fastband.Core.OpsLog;
using Fastband.Core.Sessions;
using Xunit;

namespace Fastband.Core.Tests.Common;

/// <summary>The one vocabulary type, and the rules that moved into Core so the CLI and the cmdlets cannot disagree.</summary>
public sealed class VocabularyTests : ProjectTest
{
    public static TheoryData<Vocabulary> Vocabularies() => new()
    {
        OpsEventType.Names, WorkStatus.Names, MessageKind.Names, HeartbeatRole.Names, BackupComponent.Names,
        BackupTypes.Names, IssueSeverity.Names, IssueStatus.Names, FixStatus.Names, AuditAction.Names,
    };

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void Every_name_is_found_in_any_case_and_with_dashes(Vocabulary vocabulary)
    {
        foreach (var name in vocabulary.All)
        {
            Assert.Equal(name, vocabulary.Normalize(name.ToUpperInvariant()));
            Assert.Equal(name, vocabulary.Normalize("  " + name.Replace('_', '-') + " "));
            Assert.Equal(name, vocabulary.Normalize(char.ToUpperInvariant(name[0]) + name[1..]));
        }
    }

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void Anything_else_is_refused_with_the_valid_names(Vocabulary vocabulary)
    {
        var e = Assert.Throws<InvalidInputException>(() => vocabulary.Normalize("no-such-name"));
        Assert.Equal(vocabulary.ErrorId, e.ErrorId);
        Assert.Contains("'no-such-name' is not a", e.Message);
        foreach (var name in vocabulary.All) Assert.Contains(name, e.Message);
        Assert.Throws<InvalidInputException>(() => vocabulary.Normalize(null));
    }

    [Fact]
    public void A_filter_splits_commas_drops_duplicates_and_keeps_no_filter_as_null()
    {
        Assert.Equal(new[] { "hold", "general" }, OpsEventType.Names.NormalizeFilter(new[] { "HOLD,General", "hold" }));
        Assert.Null(OpsEventType.Names.NormalizeFilter(null));
        Assert.Null(OpsEventType.Names.NormalizeFilter(Array.Empty<string>()));
    }

    [Fact]
    public void The_ops_log_reads_event_types_and_tickets_in_any_spelling()
    {
        var a = As("A");
        a.OpsLog.Write(OpsEventType.Hold, "HOLD for all agents: migration");
        a.OpsLog.Write(OpsEventType.StatusUpdate, "working", "1205");
        Assert.Single(a.OpsLog.Read(new OpsLogQuery { EventTypes = new[] { "HOLD" } }));
        Assert.Single(a.OpsLog.Read(new OpsLogQuery { TicketId = "#1205" }));
        Assert.Throws<InvalidInputException>(() => a.OpsLog.Read(new OpsLogQuery { EventTypes = new[] { "holdd" } }));
    }

    [Fact]
    public void A_page_says_how_many_more_entries_match_beyond_its_limit()
    {
        var a = As("A");
        for (int i = 0; i < 7; i++) a.OpsLog.Write(OpsEventType.General, $"entry {i}");
        var page = a.OpsLog.ReadPage(new OpsLogQuery { Limit = 5 });
        Assert.Equal(5, page.Entries.Count);
        Assert.Equal(2, page.More);
        Assert.Equal("entry 6", page.Entries[0].Message);
        Assert.Equal(0, a.OpsLog.ReadPage(new OpsLogQuery { Limit = 7 }).More);
        Assert.Equal(7, a.OpsLog.ReadPage(new OpsLogQuery()).Entries.Count); // no limit unless one is asked for
    }

    [Fact]
    public void A_session_is_saved_from_a_whole_document_or_from_parts_never_both()
    {
        const string document = """{"sessionId":"s1","conversationHistory":[{"role":"user"}],"agentContexts":{},"taskProgress":{},"currentTask":"old"}""";
        var whole = SessionService.Compose(null, document, "the file", new SessionInput { CurrentTask = "new" });
        Assert.Equal("s1", whole.SessionId);
        Assert.Equal("new", whole.CurrentTask);
        Assert.Equal("s2", SessionService.Compose("s2", document, "the file", new SessionInput()).SessionId);

        var e = Assert.Throws<InvalidInputException>(() => SessionService.Compose(null, document, "the file", new SessionInput { ConversationHistory = "[]" }));
        Assert.Equal("ConflictingInputs", e.ErrorId);
        var parts = SessionService.Compose("s3", null, "", new SessionInput { ConversationHistory = "[]" });
        Assert.Equal(("s3", "[]"), (parts.SessionId, parts.ConversationHistory));
    }

    [Fact]
    public void Reading_events_with_acknowledge_moves_the_cursor_to_the_last_one_returned()
    {
        var a = As("A");
        for (int i = 0; i < 3; i++) a.Events.Log(EventType.Question, $"q{i}");
        var first = a.Events.Next(2, acknowledge: true);
        Assert.Equal(2, first.Count);
        var rest = a.Events.Next(0, acknowledge: false);
        Assert.Equal("q2", Assert.Single(rest).Content);
        Assert.Single(a.Events.Next(0, acknowledge: false)); // not acknowledged, so still there
    }
}
