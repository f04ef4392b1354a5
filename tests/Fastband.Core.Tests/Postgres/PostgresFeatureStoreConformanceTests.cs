using Fastband.Core.Store;
using Fastband.Core.Tests.Concurrency;
using Fastband.Core.Tests.Store;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>The message and status store conformance suite against PostgreSQL, each test in a fresh schema.</summary>
[Collection(MultiProcessRaces.Name)] // the backup tests fingerprint the server's WAL position: keep this traffic out of their way
public sealed class PostgresMessageStoreConformanceTests : MessageStoreConformanceTests
{
    private readonly string _schema = PgTestServer.NewSchema("msgconf");

    protected override IFastbandStore CreateStore(TimeProvider clock) => new PostgresStore(PgTestServer.Target(_schema), clock);

    public override void Dispose()
    {
        base.Dispose();
        PgTestServer.DropSchema(_schema);
    }
}

/// <summary>The leader store conformance suite against PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresLeaderStoreConformanceTests : LeaderStoreConformanceTests
{
    private readonly string _schema = PgTestServer.NewSchema("leadconf");

    protected override IFastbandStore CreateStore() => new PostgresStore(PgTestServer.Target(_schema));

    public override void Dispose()
    {
        base.Dispose();
        PgTestServer.DropSchema(_schema);
    }
}
