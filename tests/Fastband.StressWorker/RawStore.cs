using System.Data.Common;
using Fastband.Core;
using Microsoft.Data.Sqlite;
using Npgsql;

/// <summary>Plain connections to a project's store, for the negative controls that bypass Fastband's transactions.</summary>
internal static class RawStore
{
    /// <summary>The project's store, SQLite or PostgreSQL, as its config selects.</summary>
    public static DbConnection Open(string projectDir)
    {
        if (FastbandConfig.Load(Path.Combine(projectDir, ".fastband")).Store.SelectPostgres(Environment.GetEnvironmentVariable) is { } postgres)
        {
            var pg = new NpgsqlConnection(postgres.ConnectionString());
            pg.Open();
            return pg;
        }
        return OpenSqlite(projectDir);
    }

    /// <summary>The project's SQLite database, waiting up to a minute when another writer has it.</summary>
    public static SqliteConnection OpenSqlite(string projectDir)
    {
        string db = Path.Combine(projectDir, ".fastband", FastbandProject.DatabaseFileName);
        var connection = new SqliteConnection($"Data Source={db};Pooling=False;Default Timeout=60");
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 60000;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
