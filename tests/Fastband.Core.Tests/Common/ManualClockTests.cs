using Xunit;

namespace Fastband.Core.Tests.Common;

/// <summary>
/// The test clock starts at the real now. A fixed start date (it was 2026-11-21) made every test that also met
/// the real clock fail once the real date had moved past a window (the 24 h directive window, first of all).
/// </summary>
public sealed class ManualClockTests
{
    [Fact]
    public void The_default_start_is_within_a_minute_of_the_real_now_and_not_after_it()
    {
        var before = DateTimeOffset.UtcNow;
        var start = new ManualClock().GetUtcNow();
        var after = DateTimeOffset.UtcNow;
        Assert.InRange(start, before - TimeSpan.FromMinutes(1), after);
        Assert.True(after - start < TimeSpan.FromMinutes(1), $"ManualClock starts at {start:O}, the real now is {after:O}");
        Assert.Equal(0, start.UtcTicks % TimeSpan.TicksPerSecond); // to the whole second
        Assert.Equal(TimeSpan.Zero, start.Offset);
    }

    [Fact]
    public void The_clocks_every_test_class_shares_start_at_the_real_now_too()
    {
        // The ones the test base classes create, which most tests use without naming a start.
        using var project = new ProjectClockProbe();
        Assert.True(DateTimeOffset.UtcNow - project.ClockNow < TimeSpan.FromMinutes(1), $"ProjectTest.Clock starts at {project.ClockNow:O}");
        using var repo = new Git.GitTestRepo();
        Assert.True(DateTimeOffset.UtcNow - repo.Clock.GetUtcNow() < TimeSpan.FromMinutes(1), $"GitTestRepo.Clock starts at {repo.Clock.GetUtcNow():O}");
    }

    [Fact]
    public void Advancing_moves_it_and_nothing_else_does()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Thread.Sleep(20);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(90));
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 4, 34, 5, TimeSpan.Zero), clock.GetUtcNow());
    }

    private sealed class ProjectClockProbe : ProjectTest
    {
        public DateTimeOffset ClockNow => Clock.GetUtcNow();
    }
}
