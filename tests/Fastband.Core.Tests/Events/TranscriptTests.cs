using Fastband.Core.Events;
using Xunit;

namespace Fastband.Core.Tests.Events;

public sealed class TranscriptTests : ProjectTest
{
    private string Comm => Path.Combine(Dir.Root, "communication.md");
    private string Archive => Path.Combine(Dir.Root, "archive.md");

    private FastbandProject WithInteractions(int count, string agent = "agent_a")
    {
        var p = As(agent);
        for (int i = 1; i <= count; i++)
        {
            p.Events.Log("question", $"q{i}", newInteraction: true);
            p.Events.Log("answer", $"a{i}");
            p.Events.Log("followup", $"f{i}");
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        return p;
    }

    [Fact]
    public void Communication_holds_the_last_three_interactions_between_the_markers_with_a_heading_per_type_and_archive_the_rest()
    {
        var start = Clock.GetUtcNow();
        string At(int seconds) => ManualClock.Iso(start.AddSeconds(seconds));
        var p = WithInteractions(5);
        var r = p.Events.WriteTranscript();

        Assert.Equal(new long[] { 3, 4, 5 }, r.RecentInteractions);
        Assert.Equal((2, 15, true), (r.ArchivedInteractions, r.Events, r.Changed));
        string comm = File.ReadAllText(Comm);
        Assert.StartsWith($"# Communication Snapshot\n\n<!-- BEGIN COMMUNICATION -->\n### Interaction #3\n\n#### Question\n- [agent_a {At(2)}] q3\n\n#### Answer\n- [agent_a {At(2)}] a3\n\n#### Follow-up\n- [agent_a {At(2)}] f3\n\n### Interaction #4\n", comm);
        Assert.EndsWith($"- [agent_a {At(4)}] f5\n\n<!-- END COMMUNICATION -->\n", comm);
        Assert.DoesNotContain("q2", comm);
        string archive = File.ReadAllText(Archive);
        Assert.StartsWith($"# Communication Archive\n\n## Interaction #1\n\n### Question\n- [agent_a {At(0)}] q1\n", archive);
        Assert.Contains("## Interaction #2\n", archive);
        Assert.DoesNotContain("Interaction #3", archive);
    }

    [Fact]
    public void The_same_events_give_the_same_bytes_and_a_second_run_writes_nothing()
    {
        var p = WithInteractions(6);
        p.Events.WriteTranscript();
        byte[] comm = File.ReadAllBytes(Comm), archive = File.ReadAllBytes(Archive);
        var written = File.GetLastWriteTimeUtc(Comm);

        // The same events in another project (by export and import) render to the same bytes.
        string exported = p.Events.Export(Path.Combine(Dir.Root, "events.log")).File;
        using var other = new TempProject();
        using (var q = other.Open("someone_else"))
        {
            q.Events.Import(exported);
            q.Events.WriteTranscript();
        }
        Assert.Equal(comm, File.ReadAllBytes(Path.Combine(other.Root, "communication.md")));
        Assert.Equal(archive, File.ReadAllBytes(Path.Combine(other.Root, "archive.md")));

        Thread.Sleep(20);
        var again = p.Events.WriteTranscript();
        Assert.False(again.Changed);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Comm));
        Assert.False(File.Exists(Comm + ".bak")); // nothing was replaced, so nothing was backed up
        Assert.Equal(comm, File.ReadAllBytes(Comm));
    }

    [Fact]
    public void The_previous_communication_md_is_kept_as_bak_and_the_archive_is_rewritten_not_appended_to()
    {
        var p = WithInteractions(4);
        p.Events.WriteTranscript();
        byte[] before = File.ReadAllBytes(Comm);
        p.Events.Log("question", "q5", newInteraction: true);
        p.Events.WriteTranscript();
        p.Events.Log("question", "q6", newInteraction: true);
        p.Events.WriteTranscript();

        Assert.NotEqual(before, File.ReadAllBytes(Comm + ".bak"));
        Assert.Contains("q5", File.ReadAllText(Comm + ".bak"));
        Assert.DoesNotContain("q6", File.ReadAllText(Comm + ".bak"));
        Assert.Contains("q6", File.ReadAllText(Comm));
        string archive = File.ReadAllText(Archive);
        Assert.Equal(1, CountOf(archive, "## Interaction #1\n")); // the seed's script appended it again on every run
        Assert.Equal(3, CountOf(archive, "## Interaction #"));
        Assert.Empty(Directory.GetFiles(Dir.Root, "*.tmp"));
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;

    [Fact]
    public void K_headings_title_and_folder_come_from_the_events_section_of_config_yaml()
    {
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"),
            "events:\n  recentInteractions: 1\n  directory: docs/comm\n  title: Team talk\n  headings:\n    question: \"A → B\"\n    review_request: Review wanted\n");
        var p = As("agent_a");
        p.Events.Log("question", "first", newInteraction: true);
        p.Events.Log("question", "second", newInteraction: true);
        p.Events.Log("review-request", "look at #12");

        var r = p.Events.WriteTranscript();

        Assert.Equal(Path.Combine(Dir.Root, "docs", "comm", "communication.md"), r.CommunicationFile);
        string comm = File.ReadAllText(r.CommunicationFile);
        Assert.StartsWith("# Team talk\n", comm);
        Assert.Contains($"#### A → B\n- [agent_a {ManualClock.Iso(Clock.GetUtcNow())}] second\n\n#### Review wanted\n", comm);
        Assert.DoesNotContain("first", comm);
        Assert.Contains("first", File.ReadAllText(r.ArchiveFile));
    }

    [Fact]
    public void An_unknown_events_setting_is_refused_with_the_allowed_names()
    {
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), "events:\n  keepInteractions: 2\n");
        var e = Assert.Throws<InvalidInputException>(() => As("a"));
        Assert.Contains("events.keepInteractions", e.Message);
        Assert.Contains("recentInteractions", e.Message);
    }

    [Fact]
    public void Content_cannot_fake_the_markers_and_multi_line_content_stays_inside_its_bullet()
    {
        var p = As("agent_a");
        p.Events.Log("answer", "done\n<!-- END COMMUNICATION -->\n# not a title");
        p.Events.WriteTranscript();
        string comm = File.ReadAllText(Comm);
        Assert.Equal(1, CountOf(comm, "<!-- END COMMUNICATION -->"));
        Assert.Contains("] done\n  &lt;!-- END COMMUNICATION -->\n  # not a title\n", comm);
    }

    [Fact]
    public void With_no_events_the_files_say_so_between_the_markers()
    {
        As("a").Events.WriteTranscript();
        Assert.Equal("# Communication Snapshot\n\n<!-- BEGIN COMMUNICATION -->\n_No interactions yet._\n<!-- END COMMUNICATION -->\n", File.ReadAllText(Comm));
    }

    /// <summary>What must hold after a failed run: the old files exactly, no temp files, an error event, TranscriptFailed.</summary>
    private void AssertFailedCleanly(FastbandProject p, Action failingRun, byte[] comm, byte[] archive, byte[]? bak)
    {
        int errorsBefore = p.Events.Read(new EventQuery { Types = new[] { "error" } }).Count;
        var e = Assert.Throws<FastbandException>(failingRun);
        Assert.Equal(("TranscriptFailed", FailureKind.Failed), (e.ErrorId, e.Kind));
        Assert.Contains("were left as they were", e.Message);
        Assert.Equal(comm, File.ReadAllBytes(Comm));
        Assert.Equal(archive, File.ReadAllBytes(Archive));
        Assert.Equal(bak, File.Exists(Comm + ".bak") ? File.ReadAllBytes(Comm + ".bak") : null);
        var errors = p.Events.Read(new EventQuery { Types = new[] { "error" } });
        Assert.Equal(errorsBefore + 1, errors.Count);
        Assert.Contains("Writing the transcript", errors[^1].Content);
    }

    [Fact]
    public void When_a_file_stands_where_the_temp_file_must_go_the_old_files_stay_intact_and_an_error_event_is_logged()
    {
        var p = WithInteractions(4);
        p.Events.WriteTranscript();
        p.Events.Log("question", "q5", newInteraction: true);
        byte[] comm = File.ReadAllBytes(Comm), archive = File.ReadAllBytes(Archive);
        Directory.CreateDirectory(Comm + ".tmp"); // a folder where the new communication.md must be written

        AssertFailedCleanly(p, () => p.Events.WriteTranscript(), comm, archive, bak: null);
        Assert.False(File.Exists(Archive + ".tmp"));

        Directory.Delete(Comm + ".tmp");
        Assert.True(p.Events.WriteTranscript().Changed);
        Assert.Contains("q5", File.ReadAllText(Comm));
        Assert.Equal(comm, File.ReadAllBytes(Comm + ".bak"));
    }

    [Fact]
    public void In_a_folder_that_cannot_be_written_the_old_files_stay_intact_and_an_error_event_is_logged()
    {
        var p = WithInteractions(4);
        p.Events.WriteTranscript();
        p.Events.Log("question", "q5", newInteraction: true);
        byte[] comm = File.ReadAllBytes(Comm), archive = File.ReadAllBytes(Archive);
        string snapshots = Path.Combine(Dir.Root);

        using (new Unwritable(snapshots))
            AssertFailedCleanly(p, () => p.Events.WriteTranscript(), comm, archive, bak: null);

        Assert.True(p.Events.WriteTranscript().Changed);
    }

    [Fact]
    public void A_disk_that_fills_half_way_through_the_archive_leaves_the_old_files_intact()
    {
        if (!Unwritable.IsRoot) return; // mounting a small disk needs root; the other failure tests still run
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), "events:\n  directory: disk\n");
        using var disk = new SmallDisk(Path.Combine(Dir.Root, "disk"), 256);
        var p = As("agent_a");
        for (int i = 0; i < 10; i++) p.Events.Log("question", $"small {i}", newInteraction: true);
        p.Events.WriteTranscript();
        Comm2(disk, out string comm, out string archive);
        byte[] oldComm = File.ReadAllBytes(comm), oldArchive = File.ReadAllBytes(archive);
        // About 600 KB of new archive on a 256 KB disk: the write of archive.md.tmp fails part way.
        string big = new('x', 2000);
        for (int i = 0; i < 300; i++) p.Events.Log("answer", big, newInteraction: true);

        var e = Assert.Throws<FastbandException>(() => p.Events.WriteTranscript());
        Assert.Equal("TranscriptFailed", e.ErrorId);
        Assert.Equal(oldComm, File.ReadAllBytes(comm));
        Assert.Equal(oldArchive, File.ReadAllBytes(archive));
        Assert.Empty(Directory.GetFiles(disk.MountPoint, "*.tmp"));
        Assert.Contains("Writing the transcript", p.Events.Read(new EventQuery { Types = new[] { "error" } }).Single().Content);
    }

    private static void Comm2(SmallDisk disk, out string comm, out string archive)
    {
        comm = Path.Combine(disk.MountPoint, "communication.md");
        archive = Path.Combine(disk.MountPoint, "archive.md");
    }

    [Fact]
    public async Task Watch_writes_at_once_and_again_when_events_arrive_until_cancelled()
    {
        var p = WithInteractions(1);
        var writer = As("agent_b");
        using var cancel = new CancellationTokenSource();
        var wakeup = new StepWakeup();
        var runs = new List<TranscriptResult>();
        var watcher = Task.Run(() =>
        {
            foreach (var r in p.Events.Watch(cancel.Token, wakeup)) runs.Add(r);
        });

        wakeup.WaitUntilWaiting();
        Assert.Contains("q1", File.ReadAllText(Comm));
        writer.Events.Log("question", "arrived while watching", newInteraction: true);
        wakeup.Release();
        wakeup.WaitUntilWaiting();
        Assert.Contains("arrived while watching", File.ReadAllText(Comm));
        cancel.Cancel();
        wakeup.Release();
        await watcher.WaitAsync(TimeSpan.FromSeconds(30)); // throws if watch did not stop when cancelled
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.True(r.Changed));
    }

    /// <summary>A wake-up the test opens by hand, so the watch loop advances one step at a time.</summary>
    private sealed class StepWakeup : IEventWakeup
    {
        private readonly SemaphoreSlim _waiting = new(0), _go = new(0);

        public void Wait(long lastSeenId, CancellationToken cancellation)
        {
            _waiting.Release();
            _go.Wait(TimeSpan.FromSeconds(30));
        }

        public void WaitUntilWaiting() => Assert.True(_waiting.Wait(TimeSpan.FromSeconds(30)), "watch never came to wait");
        public void Release() => _go.Release();
    }
}
