using Fastband.Core.Store;
using Fastband.Core.Tests.Store;

namespace Fastband.Core.Tests.Postgres;

/// <summary>The session store's conformance suite on PostgreSQL, each test in a fresh schema.</summary>
public sealed class PostgresSessionStoreConformanceTests : SessionStoreConformanceTests
{
    private readonly string _schema = PgTestServer.NewSchema("sessconf");

    protected override IFastbandStore CreateStore() => new PostgresStore(PgTestServer.Target(_schema));

    public override void Dispose()
    {
        base.Dispose();
        PgTestServer.DropSchema(_schema);
    }
}
