using Fastband.Core.Store;
using Fastband.Core.Tests.Concurrency;
using Fastband.Core.Tests.Postgres;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit;

namespace Fastband.Core.Tests.Store;

/// <summary>
/// The schema the migrations create, held in fixture files (Fixtures/schema.sqlite.txt and schema.postgres.txt, made
/// from the migrations as they were when the schema was first written once for both backends): a new store has exactly
/// it, each step adds exactly its section, and a store an older Fastband left at any version migrates forward to it.
/// A deliberate schema change is a new migration step and a new section of the fixtures: run these tests with
/// FASTBAND_WRITE_SCHEMA_FIXTURES=1 to write them anew, and read the diff.
/// </summary>
public static class SchemaFixtures
{
    public const string WriteVariable = "FASTBAND_WRITE_SCHEMA_FIXTURES";

    public static bool Writing => Environment.GetEnvironmentVariable(WriteVariable) == "1";

    public static string Path(string backend) => System.IO.Path.Combine(RepoTests(), "Store", "Fixtures", $"schema.{backend}.txt");

    private static string RepoTests() =>
        System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(SqliteStoreTests.FindRepoFile("tests/Fastband.Core.Tests/Store/SqliteStoreTests.cs")))!;

    public static string Read(string backend) => File.ReadAllText(Path(backend)).ReplaceLineEndings("\n");

    /// <summary>Compares <paramref name="actual"/> with the fixture, or writes it there under <see cref="WriteVariable"/>.</summary>
    public static void Check(string backend, string actual)
    {
        if (Writing)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path(backend))!);
            File.WriteAllText(Path(backend), actual);
            return;
        }
        Assert.Equal(Read(backend), actual);
    }

    public static string Header(string backend) =>
        $"The schema of a new {backend} store: what each migration step adds, as SchemaDump writes it (tests/Fastband.Core.Tests/Store/SchemaDump.cs).\n" +
        $"StoreSchemaTests check every new store against it. Written by those tests with {WriteVariable}=1: a change here is a change of schema.";
}

public sealed class SqliteSchemaTests : IDisposable
{
    private readonly TempProject _dir = new();

    public void Dispose() => _dir.Dispose();

    private string NewPath() => Path.Combine(_dir.Root, Guid.NewGuid().ToString("N")[..8] + ".db");

    [Fact]
    public void A_new_store_has_exactly_the_schema_of_the_fixture()
    {
        string path = NewPath();
        using (var store = new SqliteStore(path)) Assert.True(store.Created);
        if (SchemaFixtures.Writing) return; // the step test writes the fixture
        Assert.Equal(SchemaDump.FixtureLines(SchemaFixtures.Read("sqlite")), SchemaDump.Sqlite(path).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>A database an older Fastband left at <paramref name="version"/>: its first steps, each in a transaction of its own.</summary>
    private static void LeaveAt(string path, int version)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        for (int step = 0; step < version; step++)
        {
            using var tx = c.BeginTransaction();
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = SqliteMigrations.Steps[step] + $"\nPRAGMA user_version = {step + 1};";
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }

    [Fact]
    public void Each_step_adds_its_section_of_the_fixture_and_a_store_at_any_older_version_migrates_to_all_of_it()
    {
        var dumps = new List<IReadOnlyList<string>>();
        var migrated = new List<IReadOnlyList<string>>();
        for (int version = 0; version <= SqliteMigrations.Latest; version++)
        {
            string path = NewPath();
            LeaveAt(path, version);
            dumps.Add(SchemaDump.Sqlite(path));
            using (var store = new SqliteStore(path)) Assert.Equal(SqliteMigrations.Latest, store.SchemaVersion);
            migrated.Add(SchemaDump.Sqlite(path).Order(StringComparer.Ordinal).ToList());
        }
        SchemaFixtures.Check("sqlite", SchemaDump.Fixture(SchemaFixtures.Header("SQLite"), dumps));
        var expected = SchemaDump.FixtureLines(SchemaFixtures.Read("sqlite"));
        Assert.All(migrated, m => Assert.Equal(expected, m));
    }
}

[Collection(MultiProcessRaces.Name)] // as PostgresStoreTests: keep schema traffic out of the backup tests' way
public sealed class PostgresSchemaTests : IDisposable
{
    private readonly List<string> _schemas = new();

    public void Dispose()
    {
        foreach (var s in _schemas) PgTestServer.DropSchema(s);
    }

    private string NewSchema()
    {
        string s = PgTestServer.NewSchema("sch");
        _schemas.Add(s);
        return s;
    }

    private static IReadOnlyList<string> Dump(string schema)
    {
        using var c = new NpgsqlConnection(PgTestServer.Target(schema).ConnectionString());
        c.Open();
        return SchemaDump.Postgres(c, schema);
    }

    [Fact]
    public void A_new_store_has_exactly_the_schema_of_the_fixture()
    {
        string schema = NewSchema();
        using (var store = new PostgresStore(PgTestServer.Target(schema))) Assert.True(store.Created);
        if (SchemaFixtures.Writing) return; // the step test writes the fixture
        Assert.Equal(SchemaDump.FixtureLines(SchemaFixtures.Read("postgres")), Dump(schema).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>A schema an older Fastband left at <paramref name="version"/>: its version table and first steps, each in a transaction of its own.</summary>
    private static void LeaveAt(string schema, int version)
    {
        PgTestServer.Admin($"CREATE SCHEMA \"{schema}\"; CREATE TABLE \"{schema}\".schema_version (version INTEGER NOT NULL);");
        using var c = new NpgsqlConnection(PgTestServer.Target(schema).ConnectionString());
        c.Open();
        for (int step = 0; step < version; step++)
        {
            using var tx = c.BeginTransaction();
            using var cmd = new NpgsqlCommand(PostgresMigrations.Steps[step] + $"\nDELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ({step + 1});", c, tx);
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }

    [Fact]
    public void Each_step_adds_its_section_of_the_fixture_and_a_store_at_any_older_version_migrates_to_all_of_it()
    {
        var dumps = new List<IReadOnlyList<string>>();
        var migrated = new List<IReadOnlyList<string>>();
        for (int version = 0; version <= PostgresMigrations.Latest; version++)
        {
            string schema = NewSchema();
            LeaveAt(schema, version);
            dumps.Add(Dump(schema));
            using (var store = new PostgresStore(PgTestServer.Target(schema)))
            {
                Assert.Equal(PostgresMigrations.Latest, store.SchemaVersion);
                Assert.Equal(version == 0, store.Created);
            }
            migrated.Add(Dump(schema).Order(StringComparer.Ordinal).ToList());
        }
        SchemaFixtures.Check("postgres", SchemaDump.Fixture(SchemaFixtures.Header("PostgreSQL"), dumps));
        var expected = SchemaDump.FixtureLines(SchemaFixtures.Read("postgres"));
        Assert.All(migrated, m => Assert.Equal(expected, m));
    }
}
