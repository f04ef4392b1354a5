using Fastband.Core.Store;
using Fastband.Core.Tests.Concurrency;
using Fastband.Core.Tests.Store;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>The issue store conformance suite against PostgreSQL: each test in a fresh schema.</summary>
[Collection(MultiProcessRaces.Name)] // the backup tests fingerprint the server's WAL position: keep this traffic out of their way
public sealed class PostgresIssueStoreConformanceTests : IssueStoreConformanceTests
{
    private readonly string _schema = PgTestServer.NewSchema("issueconf");

    protected override IFastbandStore CreateStore() => new PostgresStore(PgTestServer.Target(_schema));

    public override void Dispose()
    {
        base.Dispose();
        PgTestServer.DropSchema(_schema);
    }
}
