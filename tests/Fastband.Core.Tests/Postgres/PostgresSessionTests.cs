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

/// <summary>Session save, restore and validation on PostgreSQL, the 10 MB conversation included.</summary>
[Xunit.Collection(Concurrency.MultiProcessRaces.Name)]
public sealed class PostgresSessionServiceTests : Sessions.SessionServiceTests
{
    public PostgresSessionServiceTests() => Dir.UsePostgres("sessions");
}
