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

/// <summary>The checks, once for both backends; a backend says how to make, age, open and dump a store of its own.</summary>
public abstract class SchemaTests : IDisposable
{
    /// <summary>The fixture's name: schema.{backend}.txt.</summary>
    private protected abstract string Backend { get; }

    private protected abstract string DisplayName { get; }

    /// <summary>A place for a store that does not exist yet (a file path, a schema name).</summary>
    private protected abstract string NewPlace();

    /// <summary>Leaves at <paramref name="place"/> what an older Fastband left at <paramref name="version"/>: its first steps, each in a transaction of its own.</summary>
    private protected abstract void LeaveAt(string place, int version);

    /// <summary>Opens the store at <paramref name="place"/> as Fastband does (migrating it) and closes it again.</summary>
    private protected abstract (int Version, bool Created) Open(string place);

    private protected abstract IReadOnlyList<string> Dump(string place);

    private protected abstract int Latest { get; }

    public abstract void Dispose();

    private IReadOnlyList<string> Sorted(string place) => Dump(place).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void A_new_store_has_exactly_the_schema_of_the_fixture()
    {
        string place = NewPlace();
        Assert.Equal((Latest, true), Open(place));
        if (SchemaFixtures.Writing) return; // the step test writes the fixture
        Assert.Equal(SchemaDump.FixtureLines(SchemaFixtures.Read(Backend)), Sorted(place));
    }

    [Fact]
    public void Each_step_adds_its_section_of_the_fixture_and_a_store_at_any_older_version_migrates_to_all_of_it()
    {
        var dumps = new List<IReadOnlyList<string>>();
        var migrated = new List<IReadOnlyList<string>>();
        for (int version = 0; version <= Latest; version++)
        {
            string place = NewPlace();
            LeaveAt(place, version);
            dumps.Add(Dump(place));
            Assert.Equal(Latest, Open(place).Version);
            migrated.Add(Sorted(place));
        }
        SchemaFixtures.Check(Backend, SchemaDump.Fixture(SchemaFixtures.Header(DisplayName), dumps));
        var expected = SchemaDump.FixtureLines(SchemaFixtures.Read(Backend));
        Assert.All(migrated, m => Assert.Equal(expected, m));
    }
}

public sealed class SqliteSchemaTests : SchemaTests
{
    private readonly TempProject _dir = new();

    public override void Dispose() => _dir.Dispose();

    private protected override string Backend => "sqlite";
    private protected override string DisplayName => "SQLite";
    private protected override int Latest => SqliteMigrations.Latest;

    private protected override string NewPlace() => Path.Combine(_dir.Root, Guid.NewGuid().ToString("N")[..8] + ".db");

    private protected override void LeaveAt(string place, int version)
    {
        using var c = new SqliteConnection($"Data Source={place};Pooling=False");
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

    private protected override (int Version, bool Created) Open(string place)
    {
        using var store = new SqliteStore(place);
        return (store.SchemaVersion, store.Created);
    }

    private protected override IReadOnlyList<string> Dump(string place) => SchemaDump.Sqlite(place);
}

[Collection(MultiProcessRaces.Name)] // as PostgresStoreTests: keep schema traffic out of the backup tests' way
public sealed class PostgresSchemaTests : SchemaTests
{
    private readonly List<string> _schemas = new();

    public override void Dispose()
    {
        foreach (var s in _schemas) PgTestServer.DropSchema(s);
    }

    private protected override string Backend => "postgres";
    private protected override string DisplayName => "PostgreSQL";
    private protected override int Latest => PostgresMigrations.Latest;

    private protected override string NewPlace()
    {
        string s = PgTestServer.NewSchema("sch");
        _schemas.Add(s);
        return s;
    }

    private protected override void LeaveAt(string place, int version)
    {
        PgTestServer.Admin($"CREATE SCHEMA \"{place}\"; CREATE TABLE \"{place}\".schema_version (version INTEGER NOT NULL);");
        using var c = new NpgsqlConnection(PgTestServer.Target(place).ConnectionString());
        c.Open();
        for (int step = 0; step < version; step++)
        {
            using var tx = c.BeginTransaction();
            using var cmd = new NpgsqlCommand(PostgresMigrations.Steps[step] + $"\nDELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ({step + 1});", c, tx);
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }

    private protected override (int Version, bool Created) Open(string place)
    {
        using var store = new PostgresStore(PgTestServer.Target(place));
        return (store.SchemaVersion, store.Created);
    }

    private protected override IReadOnlyList<string> Dump(string place)
    {
        using var c = new NpgsqlConnection(PgTestServer.Target(place).ConnectionString());
        c.Open();
        return SchemaDump.Postgres(c, place);
    }
}
