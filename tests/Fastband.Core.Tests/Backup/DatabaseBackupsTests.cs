using Fastband.Core.Backup.Database;
using Xunit;

namespace Fastband.Core.Tests.Backup;

public sealed class DatabaseBackupsTests
{
    private const string Root = "/srv/project";

    [Theory]
    [InlineData("postgres://app:s3cret@db.example:6543/shop", DatabaseTarget.Postgres, "db.example", 6543, "shop", "app", "s3cret")]
    [InlineData("postgresql://app@localhost/shop", DatabaseTarget.Postgres, "localhost", null, "shop", "app", null)]
    [InlineData("mysql://root:p%40ss%2Fw0rd@10.0.0.5:3307/crm?ssl=true", DatabaseTarget.MySql, "10.0.0.5", 3307, "crm", "root", "p@ss/w0rd")]
    [InlineData("mariadb://u:pa/ss@wd@[::1]:3306/db", DatabaseTarget.MySql, "::1", 3306, "db", "u", "pa/ss@wd")]
    public void Server_urls_are_parsed(string url, string type, string host, int? port, string name, string user, string? password)
    {
        var target = DatabaseBackups.FromUrl(url, Root);
        Assert.Equal(type, target.Type);
        Assert.Equal(host, target.Host);
        Assert.Equal(port, target.Port);
        Assert.Equal(name, target.Name);
        Assert.Equal(user, target.User);
        Assert.Equal(password, target.UrlPassword);
        Assert.Null(target.PasswordEnv);
        Assert.Equal(password, target.ResolvePassword(_ => null));
        if (password is not null) Assert.DoesNotContain(password, target.ToString());
    }

    [Fact]
    public void Default_ports_follow_the_type()
    {
        Assert.Equal(5432, DatabaseBackups.FromUrl("postgres://a@h/d", Root).EffectivePort);
        Assert.Equal(3306, DatabaseBackups.FromUrl("mysql://a@h/d", Root).EffectivePort);
    }

    [Theory]
    [InlineData("sqlite:data/app.db", "/srv/project/data/app.db")]
    [InlineData("sqlite:/var/lib/app.db", "/var/lib/app.db")]
    [InlineData("sqlite:///var/lib/app.db", "/var/lib/app.db")]
    [InlineData("SQLITE:../shared/app.db", "/srv/shared/app.db")]
    public void Sqlite_paths_are_relative_to_the_project(string url, string path)
    {
        var target = DatabaseBackups.FromUrl(url, Root);
        Assert.Equal(DatabaseTarget.Sqlite, target.Type);
        Assert.Equal(path, target.Path);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("redis://u:TopSecret1@h/0", "scheme 'redis'")]
    [InlineData("postgres:u:TopSecret1@h/db", "missing '//'")]
    [InlineData("postgres://u:TopSecret1@h:99999/db", "port '99999'")]
    [InlineData("postgres://u:TopSecret1@h:abc/db", "port 'abc'")]
    [InlineData("postgres://u:TopSecret1@h:5432", "no single database")]
    [InlineData("postgres://u:TopSecret1@:5432/db", "no host")]
    [InlineData("mysql://h:3306/db", "no user")]
    [InlineData("sqlite:", "names no file")]
    public void Malformed_urls_say_what_is_wrong_without_the_password(string url, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => DatabaseBackups.FromUrl(url, Root));
        Assert.Equal("InvalidDatabaseUrl", e.ErrorId);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("TopSecret1", e.Message);
    }

    [Theory]
    [InlineData("sqlite", typeof(SqliteDatabaseBackup), "database.sqlite")]
    [InlineData("postgres", typeof(PostgresDatabaseBackup), "database.dump")]
    [InlineData("PostgreSQL", typeof(PostgresDatabaseBackup), "database.dump")]
    [InlineData("mysql", typeof(MySqlDatabaseBackup), "database.sql.gz")]
    [InlineData("mariadb", typeof(MySqlDatabaseBackup), "database.sql.gz")]
    public void Each_type_has_its_dumper(string type, Type expected, string file)
    {
        Assert.IsType(expected, DatabaseBackups.For(type));
        Assert.Equal(file, DatabaseBackups.DumpFileName(type));
    }

    [Fact]
    public void Unknown_types_are_refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => DatabaseBackups.For("oracle"));
        Assert.Equal("UnknownDatabaseType", e.ErrorId);
        Assert.Contains("sqlite, postgres or mysql", e.Message);
    }
}
