using Fastband.Core.Store;
using Fastband.Core.Tests.Postgres;

namespace Fastband.Core.Tests.Store;

/// <summary>
/// The frame of a store conformance suite: the stores a test opens are closed at its end, then the backend's
/// scratch (a folder, a schema) is removed. A backend's subclass only says how to open its store.
/// </summary>
public abstract class StoreSuite : IDisposable
{
    private readonly List<IFastbandStore> _opened = new();
    private readonly List<Action> _atEnd = new();
    private string? _folder, _schema;

    protected readonly DateTimeOffset Now = ManualClock.RealNowToTheSecond(); // for stores that run on the real clock

    /// <summary>Calling it twice reopens the same data.</summary>
    protected abstract IFastbandStore CreateStore();

    protected IFastbandStore Open()
    {
        var s = CreateStore();
        _opened.Add(s);
        return s;
    }

    /// <summary>A scratch folder of this test's, deleted at its end.</summary>
    protected string Folder
    {
        get
        {
            if (_folder is null)
            {
                var project = new TempProject();
                _atEnd.Add(project.Dispose);
                _folder = project.Root;
            }
            return _folder;
        }
    }

    /// <summary>A fresh schema of this test's on the test PostgreSQL server, dropped at its end.</summary>
    protected string Schema(string label)
    {
        if (_schema is null)
        {
            string schema = PgTestServer.NewSchema(label);
            _atEnd.Add(() => PgTestServer.DropSchema(schema));
            _schema = schema;
        }
        return _schema;
    }

    public virtual void Dispose()
    {
        foreach (var s in _opened) s.Dispose();
        foreach (var cleanup in _atEnd) cleanup();
    }
}
