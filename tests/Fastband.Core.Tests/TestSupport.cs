using Fastband.Core;

namespace Fastband.Core.Tests;

/// <summary>A clock tests move by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now;

    public ManualClock(DateTimeOffset? start = null) => _now = start ?? new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>A scratch project folder, deleted afterwards.</summary>
public sealed class TempProject : IDisposable
{
    public TempProject()
    {
        Root = Path.Combine(Path.GetTempPath(), "fastband-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string StateDir => Path.Combine(Root, ".fastband");

    public FastbandProject Open(string agent, TimeProvider? clock = null) =>
        FastbandProject.Open(new ProjectOptions { ProjectPath = Root, Agent = agent, Clock = clock, Environment = _ => null });

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
