using Fastband.Core.Store;
using Fastband.Core.Tests.Concurrency;
using Fastband.Core.Tests.Store;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>The store conformance suite, unchanged, against PostgreSQL: each test in fresh schemas.</summary>
[Collection(MultiProcessRaces.Name)] // the backup tests fingerprint the server's WAL position: keep this traffic out of their way
public sealed class PostgresStoreConformanceTests : StoreConformanceTests
{
    private readonly Dictionary<string, string> _schemas = new();

    protected override IFastbandStore CreateStore(TimeProvider clock, string name = "main")
    {
        if (!_schemas.TryGetValue(name, out var schema)) _schemas[name] = schema = PgTestServer.NewSchema("conf");
        return new PostgresStore(PgTestServer.Target(schema), clock);
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var schema in _schemas.Values) PgTestServer.DropSchema(schema);
    }
}

/// <summary>The lock store conformance suite against PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresLockStoreConformanceTests : LockStoreConformanceTests
{
    private readonly string _schema = PgTestServer.NewSchema("lockconf");

    protected override IFastbandStore CreateStore() => new PostgresStore(PgTestServer.Target(_schema));

    public override void Dispose()
    {
        base.Dispose();
        PgTestServer.DropSchema(_schema);
    }
}
