using System.Globalization;
using Fastband.Core;

namespace Fastband.Core.Tests;

/// <summary>
/// A clock tests move by hand. It starts at the real now, to the whole second (so a formatted time reads back
/// exactly): what a test writes with it then falls inside every window the real clock applies too (file times,
/// git, another process, a project opened without this clock), on whatever day the tests run.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now;

    public ManualClock(DateTimeOffset? start = null) => _now = start ?? RealNowToTheSecond();

    public static DateTimeOffset RealNowToTheSecond() => RealNowTruncatedTo(TimeSpan.FromSeconds(1));

    /// <summary>The start of the real current UTC hour: for a test whose few minutes must not cross a UTC midnight.</summary>
    public static DateTimeOffset RealStartOfThisHour() => RealNowTruncatedTo(TimeSpan.FromHours(1));

    /// <summary>Display form of a time, as the tests expect it: yyyy-MM-dd HH:mm:ss, UTC.</summary>
    public static string Display(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>ISO form of a time as the event files and JSON lines write it: yyyy-MM-ddTHH:mm:ssZ.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset RealNowTruncatedTo(TimeSpan unit)
    {
        long ticks = DateTimeOffset.UtcNow.UtcTicks;
        return new DateTimeOffset(ticks - ticks % unit.Ticks, TimeSpan.Zero);
    }

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

    /// <summary>The environment the project sees: none by default; <see cref="UsePostgres"/> adds FASTBAND_STORE.</summary>
    public Func<string, string?> Environment { get; private set; } = _ => null;

    private string? _schema;

    public FastbandProject Open(string agent, TimeProvider? clock = null) =>
        FastbandProject.Open(new ProjectOptions { ProjectPath = Root, Agent = agent, Clock = clock, Environment = Environment });

    /// <summary>
    /// Points every project this test opens through <see cref="Open"/> (or with <see cref="Environment"/>) at a fresh
    /// PostgreSQL schema, dropped at the end, through FASTBAND_STORE: a config.yaml the test writes keeps its other sections.
    /// </summary>
    public void UsePostgres(string label)
    {
        var (environment, schema) = Postgres.PgTestServer.StoreEnvironment(Root, label);
        Environment = environment;
        _schema = schema;
    }

    public void Dispose()
    {
        if (_schema is not null) Postgres.PgTestServer.DropSchema(_schema);
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// A scratch project on a manual clock, with every project a test opens closed at the end:
/// <c>As("agent")</c> opens the project as that agent.
/// </summary>
public abstract class ProjectTest : IDisposable
{
    private readonly List<FastbandProject> _open = new();

    protected TempProject Dir { get; } = new();
    protected ManualClock Clock { get; } = new();

    protected FastbandProject As(string agent)
    {
        var p = Dir.Open(agent, Clock);
        _open.Add(p);
        return p;
    }

    public virtual void Dispose()
    {
        foreach (var p in _open) p.Dispose();
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
