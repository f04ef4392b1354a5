using Fastband.Core.Store;
using Fastband.Core.Tests.Store;

namespace Fastband.Core.Tests.Postgres;

/// <summary>The event store's conformance suite on PostgreSQL, each test in a fresh schema.</summary>
public sealed class PostgresEventStoreConformanceTests : EventStoreConformanceTests
{
    private readonly string _schema = PgTestServer.NewSchema("eventconf");

    protected override IFastbandStore CreateStore(TimeProvider clock) => new PostgresStore(PgTestServer.Target(_schema), clock);

    public override void Dispose()
    {
        base.Dispose();
        PgTestServer.DropSchema(_schema);
    }
}
