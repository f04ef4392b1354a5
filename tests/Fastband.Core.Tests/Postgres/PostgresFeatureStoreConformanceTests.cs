using Fastband.Core.Store;
using Fastband.Core.Tests.Concurrency;
using Fastband.Core.Tests.Store;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

// The feature store conformance suites against PostgreSQL, each test in a fresh schema. In the races' collection:
// the backup tests fingerprint the server's WAL position, so keep this traffic out of their way.

[Collection(MultiProcessRaces.Name)]
public sealed class PostgresMessageStoreConformanceTests : MessageStoreConformanceTests
{
    protected override IFastbandStore CreateStore() => new PostgresStore(PgTestServer.Target(Schema("msgconf")), Clock);
}

[Collection(MultiProcessRaces.Name)]
public sealed class PostgresLeaderStoreConformanceTests : LeaderStoreConformanceTests
{
    protected override IFastbandStore CreateStore() => new PostgresStore(PgTestServer.Target(Schema("leadconf")));
}
