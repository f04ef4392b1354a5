using Fastband.Core.Health;
using Xunit;

namespace Fastband.Core.Tests.Health;

/// <summary>Issue 14: a store damaged in the middle is an unhealthy store finding in a report, never an exception instead of one.</summary>
public sealed class DamagedStoreHealthTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Db => Path.Combine(_dir.StateDir, FastbandProject.DatabaseFileName);

    /// <summary>A store of some hundred pages, checkpointed, so that what is damaged below is the file itself.</summary>
    internal static void FillStore(TempProject dir)
    {
        using var p = dir.Open("filler");
        var random = new Random(14);
        for (int i = 0; i < 60; i++)
        {
            var bytes = new byte[3000];
            random.NextBytes(bytes);
            p.OpsLog.Write("general", Convert.ToBase64String(bytes));
        }
    }

    /// <summary>Overwrites <paramref name="length"/> bytes at <paramref name="fraction"/> of the file with noise; the 100-byte header stays.</summary>
    internal static void Damage(string db, double fraction, int length = 8192)
    {
        using var f = new FileStream(db, FileMode.Open, FileAccess.Write);
        long at = Math.Max(100, (long)(f.Length * fraction));
        var noise = new byte[length];
        new Random(1414).NextBytes(noise);
        f.Position = at;
        f.Write(noise);
    }

    [Theory]
    [InlineData(0.0)]   // page 1 after the header: the schema, so the store cannot even be opened
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.75)]
    public void A_damaged_store_is_an_unhealthy_store_finding_in_a_report(double where)
    {
        FillStore(_dir);
        Damage(Db, where);
        var report = ProjectHealth.Run(new ProjectOptions { ProjectPath = _dir.Root, Agent = "doctor" }, null);
        Assert.Equal(HealthState.Unhealthy, report.State);
        var store = report.Findings.Single(f => f.Check == "store");
        Assert.Equal(HealthState.Unhealthy, store.State);
        Assert.DoesNotContain("\n", store.Summary);
        Assert.Contains(Db, store.Summary);
        Assert.Contains("is damaged", store.Summary);
        Assert.Contains(".recover", store.Summary);
        Assert.All(report.Findings, f => Assert.DoesNotContain("\n", f.Summary));
    }

    [Fact]
    public void A_check_that_fails_with_a_database_error_is_an_unhealthy_finding_and_the_others_still_run()
    {
        using var p = _dir.Open("doctor");
        p.Health.Register(new Throwing());
        var report = p.Health.Run();
        var failed = report.Findings.Single(f => f.Check == "throwing");
        Assert.Equal(HealthState.Unhealthy, failed.State);
        Assert.Contains("database disk image is malformed", failed.Summary);
        Assert.Contains(report.Findings, f => f.Check == "errors");
    }

    private sealed class Throwing : IHealthCheck
    {
        public string Name => "throwing";

        public IEnumerable<HealthFinding> Check(DateTimeOffset now) =>
            throw new Microsoft.Data.Sqlite.SqliteException("SQLite Error 11: 'database disk image is malformed'.", 11);
    }
}
