using Fastband.Core.Tests.Concurrency;
using Fastband.Core.Tests.Events;
using Fastband.Core.Tests.Issues;
using Fastband.Core.Tests.Leader;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

// The feature service tests, unchanged, on a PostgreSQL store: each test's project gets a fresh schema through
// FASTBAND_STORE (TempProject.UsePostgres), dropped at the end. In the races' collection, out of the way of the
// backup tests that fingerprint the server's WAL position.

/// <summary>Heartbeats, campaigns, failover, stale terms on PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresLeaderServiceTests : LeaderServiceTests
{
    public PostgresLeaderServiceTests() => Dir.UsePostgres("leader");
}

/// <summary>Logging, reading, interactions and snapshots on PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresEventServiceTests : EventServiceTests
{
    public PostgresEventServiceTests() => Dir.UsePostgres("events");
}

/// <summary>Cursors and checkpoint files on PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresCursorTests : CursorTests
{
    public PostgresCursorTests() => Dir.UsePostgres("cursor");
}

/// <summary>Import idempotency and export on PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresImportExportTests : ImportExportTests
{
    public PostgresImportExportTests() => Dir.UsePostgres("import");
}

/// <summary>The issue and fix workflow (claims, fixes, ready list order, audit, import) on PostgreSQL.</summary>
[Collection(MultiProcessRaces.Name)]
public sealed class PostgresIssueServiceTests : IssueServiceTests
{
    public PostgresIssueServiceTests() => Dir.UsePostgres("issues");
}
