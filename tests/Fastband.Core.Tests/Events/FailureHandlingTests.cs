using Fastband.Core.Events;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fastband.Core.Tests.Events;

public sealed class FailureHandlingTests : ProjectTest
{
    private string Db => Path.Combine(Dir.StateDir, FastbandProject.DatabaseFileName);
    private string Queue => Path.Combine(Dir.StateDir, "events.offline.log");

    private void Configure(string yaml)
    {
        Directory.CreateDirectory(Dir.StateDir);
        File.WriteAllText(Path.Combine(Dir.StateDir, "config.yaml"), "events:\n" + yaml);
    }

    /// <summary>Another connection (not Fastband's, so not in its writer queue) holding the write lock.</summary>
    private SqliteConnection HoldWriteLock()
    {
        var c = new SqliteConnection($"Data Source={Db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "BEGIN EXCLUSIVE;";
        cmd.ExecuteNonQuery();
        return c;
    }

    [Fact]
    public void Contention_is_retried_and_the_write_succeeds_once_the_other_writer_lets_go()
    {
        Configure("  lockWait: 100ms\n  retryDelay: 10ms\n  retryAttempts: 3\n");
        var p = As("agent_a");
        p.Events.Log("question", "before");
        var holder = HoldWriteLock();
        var failedAttempts = new List<int>();
        p.Events.OnRetry = attempt =>
        {
            failedAttempts.Add(attempt);
            holder.Dispose(); // the other writer finishes after the first attempt failed
        };

        var e = p.Events.Log("answer", "after contention");

        Assert.Equal(new[] { 1 }, failedAttempts);
        Assert.False(e.Queued);
        Assert.Equal(new[] { "before", "after contention" }, p.Events.Read(new EventQuery()).Select(x => x.Content));
    }

    [Fact]
    public void Contention_through_every_attempt_fails_clearly_and_the_error_event_is_kept_for_later()
    {
        Configure("  lockWait: 100ms\n  retryDelay: 10ms\n  retryAttempts: 3\n");
        var p = As("agent_a");
        p.Events.Log("question", "before");
        var failedAttempts = new List<int>();
        p.Events.OnRetry = failedAttempts.Add;
        BlockedException e;
        using (HoldWriteLock())
            e = Assert.Throws<BlockedException>(() => p.Events.Log("answer", "never written"));

        Assert.Equal("StoreBusy", e.ErrorId);
        Assert.Contains("through 3 attempts", e.Message);
        Assert.Contains("nothing was written", e.Message);
        Assert.Equal(new[] { 1, 2 }, failedAttempts); // three attempts, two backoffs
        // The error event could not be stored either (the lock was still held), so it waited in the offline queue
        // and arrives with the next write, before it.
        Assert.True(File.Exists(Queue));
        p.Events.Log("answer", "later");
        var events = p.Events.Read(new EventQuery());
        Assert.Equal(new[] { "question", "error", "answer" }, events.Select(x => x.Type));
        Assert.Contains("stayed locked by another writer through 3 attempts", events[1].Content);
        Assert.DoesNotContain(events, x => x.Content == "never written");
        Assert.False(File.Exists(Queue));
    }

    [Fact]
    public void Backoff_doubles_per_attempt_with_jitter_between_half_and_one_and_a_half_times()
    {
        var random = new Random(7);
        var first = TimeSpan.FromMilliseconds(100);
        for (int attempt = 1; attempt <= 4; attempt++)
        {
            double nominal = 100 * Math.Pow(2, attempt - 1);
            var samples = Enumerable.Range(0, 50).Select(_ => StoreFailures.Backoff(first, attempt, random).TotalMilliseconds).ToList();
            Assert.All(samples, s => Assert.InRange(s, nominal * 0.5, nominal * 1.5));
            Assert.True(samples.Distinct().Count() > 40, "the delays do not vary: no jitter");
        }
    }

    [Fact]
    public void With_the_store_unwritable_events_are_queued_offline_and_replayed_in_order_exactly_once_when_it_is_back()
    {
        using (var setup = As("setup")) setup.Events.Log("question", "stored before", newInteraction: true);
        InteractionEvent q1, q2;
        using (new Unwritable(Db))
        {
            using var offline = Dir.Open("agent_a", Clock);
            q1 = offline.Events.Log("answer", "queued one");
            q2 = offline.Events.Log("question", "queued two, a new interaction", newInteraction: true);
            Assert.Equal(2, offline.Events.OfflineQueueLength);
            Assert.Single(offline.Events.Read(new EventQuery())); // reads still work
            var health = new Fastband.Core.Health.OfflineQueueHealthCheck(offline.StateDirectory).Check(Clock.GetUtcNow()).Single();
            Assert.Equal(Fastband.Core.Health.HealthState.Warning, health.State);
        }
        Assert.True(q1.Queued && q2.Queued);
        Assert.Equal(0, q1.Id);

        // A crash right after the replay committed would leave the queue file in place: keep a copy to replay twice.
        byte[] queued = File.ReadAllBytes(Queue);
        using var back = Dir.Open("agent_a", Clock);
        var next = back.Events.Log("followup", "after the store came back");
        File.WriteAllBytes(Queue, queued);
        back.Events.Log("followup", "one more");

        var events = back.Events.Read(new EventQuery());
        Assert.Equal(new[] { "stored before", "queued one", "queued two, a new interaction", "after the store came back", "one more" }, events.Select(e => e.Content));
        Assert.Equal(new long[] { 1, 1, 2, 2, 2 }, events.Select(e => e.Interaction));
        Assert.Equal(events.Select(e => e.Id).OrderBy(i => i), events.Select(e => e.Id));
        Assert.Equal(next.Id, events[3].Id);
        Assert.False(File.Exists(Queue));
        Assert.Equal(0, back.Events.OfflineQueueLength);
    }

    [Fact]
    public void An_error_event_replayed_from_the_queue_raises_ErrorRecorded_when_it_is_committed()
    {
        using (var setup = As("setup")) setup.Events.Log("question", "x");
        using (new Unwritable(Db))
        using (var offline = Dir.Open("agent_a", Clock))
            offline.Events.Log("error", "disk trouble");
        using var back = Dir.Open("agent_a", Clock);
        var seen = new List<EventNotice>();
        back.Events.ErrorRecorded += seen.Add;
        back.Events.Log("heartbeat", "");
        Assert.Equal("disk trouble", Assert.Single(seen).Content);
        Assert.NotEqual(0, seen[0].Id);
    }

    [Fact]
    public void When_the_disk_is_full_for_the_store_and_the_queue_alike_the_write_fails_clearly_and_works_again_after()
    {
        if (!Unwritable.IsRoot) return; // mounting a small disk needs root
        using var disk = new SmallDisk(Path.Combine(Dir.Root, "full"), 1024);
        var project = new TempProjectAt(disk.MountPoint);
        using (var setup = project.Open("setup", Clock)) setup.Events.Log("question", "before the disk filled");
        using (var p = project.Open("agent_a", Clock)) // open (its -wal and -shm exist) before the disk fills
        {
            disk.Fill();
            var e = Assert.Throws<StoreException>(() => p.Events.Log("answer", new string('x', 20000)));
            Assert.Contains("was not recorded", e.Message);
            Assert.Contains("free disk space", e.Message);
        }
        disk.Free();
        using var after = project.Open("agent_a", Clock);
        after.Events.Log("answer", "after space was freed");
        Assert.Equal(new[] { "before the disk filled", "after space was freed" }, after.Events.Read(new EventQuery()).Select(e => e.Content));
    }

    private sealed record TempProjectAt(string Root)
    {
        public FastbandProject Open(string agent, TimeProvider clock) =>
            FastbandProject.Open(new ProjectOptions { ProjectPath = Root, Agent = agent, Clock = clock, Environment = _ => null });
    }
}
