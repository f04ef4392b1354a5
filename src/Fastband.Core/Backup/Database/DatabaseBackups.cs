using System.Globalization;

namespace Fastband.Core.Backup.Database;

/// <summary>Picks the dumper for a database type and reads DATABASE_URL.</summary>
public static class DatabaseBackups
{
    /// <summary>The dumper for <paramref name="type"/> (sqlite, postgres/postgresql, mysql/mariadb).</summary>
    public static IDatabaseBackup For(string type) => (type ?? "").Trim().ToLowerInvariant() switch
    {
        DatabaseTarget.Sqlite => new SqliteDatabaseBackup(),
        DatabaseTarget.Postgres or "postgresql" => new PostgresDatabaseBackup(),
        DatabaseTarget.MySql or "mariadb" => new MySqlDatabaseBackup(),
        _ => throw new InvalidInputException("UnknownDatabaseType",
            $"The database type '{type}' is not one Fastband can back up: use sqlite, postgres or mysql (or none)."),
    };

    /// <summary>The file name a dump of <paramref name="type"/> is written as.</summary>
    public static string DumpFileName(string type) => For(type) switch
    {
        SqliteDatabaseBackup => SqliteDatabaseBackup.DumpFileName,
        PostgresDatabaseBackup => PostgresDatabaseBackup.DumpFileName,
        _ => MySqlDatabaseBackup.DumpFileName,
    };

    /// <summary>
    /// Reads <c>postgres://user:pass@host:port/name</c> (also <c>postgresql://</c>), <c>mysql://</c>,
    /// <c>mariadb://</c> and <c>sqlite:PATH</c> (relative to <paramref name="projectRoot"/>). The password
    /// goes to <see cref="DatabaseTarget.UrlPassword"/> and never into a message.
    /// </summary>
    public static DatabaseTarget FromUrl(string url, string projectRoot)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new InvalidInputException("InvalidDatabaseUrl", "DATABASE_URL is empty: set it to postgres://user@host:port/name, mysql://user@host:port/name or sqlite:PATH.");
        }
        url = url.Trim();
        int colon = url.IndexOf(':');
        string scheme = colon > 0 ? url[..colon].ToLowerInvariant() : "";

        if (scheme == "sqlite")
        {
            string path = url[(colon + 1)..];
            if (path.StartsWith("///", StringComparison.Ordinal)) path = path[2..];       // sqlite:///abs/path
            else if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..];   // sqlite://relative
            path = Uri.UnescapeDataString(path);
            if (path.Length == 0)
            {
                throw new InvalidInputException("InvalidDatabaseUrl", "DATABASE_URL sqlite: names no file: write it as sqlite:PATH (relative to the project or absolute).");
            }
            return new DatabaseTarget { Type = DatabaseTarget.Sqlite, Path = Path.GetFullPath(path, Path.GetFullPath(projectRoot)) };
        }

        string type = scheme switch
        {
            "postgres" or "postgresql" => DatabaseTarget.Postgres,
            "mysql" or "mariadb" => DatabaseTarget.MySql,
            _ => throw new InvalidInputException("InvalidDatabaseUrl",
                $"DATABASE_URL has the scheme '{(scheme.Length == 0 ? "(none)" : scheme)}', which Fastband cannot back up: use postgres://, postgresql://, mysql://, mariadb:// or sqlite:."),
        };
        string safe = Describe(url, scheme);
        if (!url[(colon + 1)..].StartsWith("//", StringComparison.Ordinal))
        {
            throw new InvalidInputException("InvalidDatabaseUrl", $"DATABASE_URL {safe} is missing '//' after the scheme: write it as {scheme}://user@host:port/name.");
        }
        // The user info ends at the last '@' (a password may hold an unescaped '/' or '@'); the host,
        // port and database name follow it.
        string rest = url[(colon + 3)..];
        int queryAt = rest.IndexOfAny(new[] { '?', '#' });
        if (queryAt >= 0) rest = rest[..queryAt];
        string? user = null, password = null;
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = rest[..at];
            rest = rest[(at + 1)..];
            int sep = userInfo.IndexOf(':');
            user = Uri.UnescapeDataString(sep >= 0 ? userInfo[..sep] : userInfo);
            if (sep >= 0) password = Uri.UnescapeDataString(userInfo[(sep + 1)..]);
        }
        int slash = rest.IndexOf('/');
        string hostPort = slash >= 0 ? rest[..slash] : rest;
        string pathPart = slash >= 0 ? rest[(slash + 1)..] : "";

        string host = hostPort;
        int? port = null;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']');
            if (close < 0) throw new InvalidInputException("InvalidDatabaseUrl", $"DATABASE_URL {safe} has an IPv6 host without its closing ']': write it as [::1].");
            host = hostPort[1..close];
            string after = hostPort[(close + 1)..];
            if (after.StartsWith(':')) port = ParsePort(after[1..], safe);
            else if (after.Length > 0) throw new InvalidInputException("InvalidDatabaseUrl", $"DATABASE_URL {safe} has text after the IPv6 host: write it as [host]:port.");
        }
        else
        {
            int portSep = hostPort.LastIndexOf(':');
            if (portSep >= 0)
            {
                host = hostPort[..portSep];
                port = ParsePort(hostPort[(portSep + 1)..], safe);
            }
        }
        host = Uri.UnescapeDataString(host);
        if (host.Length == 0)
        {
            throw new InvalidInputException("InvalidDatabaseUrl", $"DATABASE_URL {safe} names no host: write it as {scheme}://user@host:port/name.");
        }
        string name = Uri.UnescapeDataString(pathPart.TrimEnd('/'));
        if (name.Length == 0 || name.Contains('/'))
        {
            throw new InvalidInputException("InvalidDatabaseUrl", $"DATABASE_URL {safe} names no single database: end it with /name.");
        }
        if (string.IsNullOrEmpty(user))
        {
            throw new InvalidInputException("InvalidDatabaseUrl", $"DATABASE_URL {safe} names no user: write it as {scheme}://user@host:port/name.");
        }
        return new DatabaseTarget
        {
            Type = type,
            Host = host,
            Port = port,
            Name = name,
            User = user,
            UrlPassword = string.IsNullOrEmpty(password) ? null : password,
        };
    }

    private static int ParsePort(string text, string safe)
    {
        if (text.Length == 0) return ParsePortFail(safe, "(empty)");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return ParsePortFail(safe, text);
        }
        return port;
    }

    private static int ParsePortFail(string safe, string text) =>
        throw new InvalidInputException("InvalidDatabaseUrl", $"DATABASE_URL {safe} has the port '{text}', which is not a number from 1 to 65535: fix the port.");

    /// <summary>The URL with any password replaced by ***, safe to put in a message.</summary>
    private static string Describe(string url, string scheme)
    {
        int start = scheme.Length + 1;
        if (!url[start..].StartsWith("//", StringComparison.Ordinal)) return $"{scheme}:...";
        start += 2;
        int at = url.LastIndexOf('@');
        if (at < start) return url;
        int sep = url.IndexOf(':', start);
        if (sep < 0 || sep > at) return url;
        return url[..sep] + ":***" + url[at..];
    }
}
