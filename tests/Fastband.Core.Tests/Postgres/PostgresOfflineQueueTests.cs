using Fastband.Core.Events;
using Fastband.Core.Store;
using Fastband.Core.Tests.Concurrency;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>
/// The event log's offline queue on PostgreSQL, with a real server stopped and started (a scratch cluster of the
/// test's own): while the server is down, events go to .fastband/events.offline.log, also from a project opened
/// while it is down (as `fastband events log` opens it); once it is back, the next write replays them, in order
/// and once, before its own event.
/// </summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresOfflineQueueTests : IDisposable
{
    private readonly TempProject _dir = new();
    private readonly ScratchCluster _cluster = new();

    public void Dispose()
    {
        _cluster.Dispose();
        _dir.Dispose();
    }

    private FastbandProject Open(string agent, bool mayBeOffline = false) => FastbandProject.Open(new ProjectOptions
    {
        ProjectPath = _dir.Root, Agent = agent, Environment = _ => null, StoreMayBeOffline = mayBeOffline,
    });

    private string QueueFile => Path.Combine(_dir.StateDir, OfflineQueue.FileName);

    private int Queued => File.Exists(QueueFile) ? File.ReadLines(QueueFile).Count(l => l.Trim().Length > 0) : 0;

    [Fact]
    public void Events_logged_while_the_server_is_down_are_queued_and_replayed_once_in_order_when_it_is_back()
    {
        _cluster.Start();
        Directory.CreateDirectory(_dir.StateDir);
        File.WriteAllText(Path.Combine(_dir.StateDir, FastbandConfig.FileName),
            $"store:\n  type: postgres\n  connection: \"{_cluster.Connection}\"\n  schema: offline\n  connectTimeout: 3s\n");
        using var a = Open("agent_a");
        Assert.False(a.Events.Log("question", "before the outage", newInteraction: true).Queued);

        _cluster.Stop();
        var down = a.Events.Log("answer", "while down, from an open project");
        Assert.True(down.Queued);
        Assert.Equal(1, Queued);

        // Opening the project while the server is away: refused clearly, unless the command can work offline.
        var refused = Assert.Throws<StoreException>(() => Open("agent_b"));
        Assert.Contains($"127.0.0.1:{_cluster.Port}", refused.Message);
        Assert.Contains("could not be reached", refused.Message);
        using (var b = Open("agent_b", mayBeOffline: true))
        {
            Assert.True(b.Events.Log("answer", "while down, from a project opened offline").Queued);
            var unread = Assert.Throws<StoreException>(() => b.Events.Read(new EventQuery()));
            Assert.Contains("could not be reached", unread.Message); // anything else says why, one sentence
        }
        Assert.Equal(2, Queued);

        _cluster.Start();
        var after = a.Events.Log("followup", "after the outage"); // the old connection died with the server: a new one is made
        Assert.False(after.Queued);
        Assert.Equal(0, Queued);
        Assert.Null(a.Events.TryReplay()); // nothing left to replay
        var stored = a.Events.Read(new EventQuery());
        Assert.Equal(new[] { "before the outage", "while down, from an open project", "while down, from a project opened offline", "after the outage" },
            stored.Select(e => e.Content));
        Assert.Equal(stored.Select(e => e.Id).Order(), stored.Select(e => e.Id));

        using var c = Open("agent_c", mayBeOffline: true); // and a project opened while the server is up migrates as usual
        Assert.Equal(4, c.Events.Read(new EventQuery()).Count);
        Assert.Equal(SchemaVersionOf(c), PostgresMigrations.Latest);
    }

    private static int SchemaVersionOf(FastbandProject p) => p.Store.SchemaVersion;
}
