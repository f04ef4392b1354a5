using Fastband.Core.Backup.Database;
using Xunit;

namespace Fastband.Core.Tests.Backup;

/// <summary>The real database servers tests/servers/start.sh runs; their settings come from FASTBAND_TEST_*.</summary>
internal static class TestServers
{
    public const string PgPasswordEnv = "FASTBAND_TEST_PG_PASSWORD";
    public const string MySqlPasswordEnv = "FASTBAND_TEST_MYSQL_PASSWORD";

    public static DatabaseTarget Postgres(string? database = null) => Target("PG", DatabaseTarget.Postgres, database);

    public static DatabaseTarget MySql(string? database = null) => Target("MYSQL", DatabaseTarget.MySql, database);

    public static string Password(DatabaseTarget target) => target.ResolvePassword()!;

    private static DatabaseTarget Target(string prefix, string type, string? database)
    {
        string Get(string name)
        {
            string variable = $"FASTBAND_TEST_{prefix}_{name}";
            string? value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(value))
            {
                Assert.Fail($"{variable} is not set: run tests/servers/start.sh and then `. .build/servers/env` before these tests (test.sh does both).");
            }
            return value!;
        }
        Get("PASSWORD");
        return new DatabaseTarget
        {
            Type = type,
            Host = Get("HOST"),
            Port = int.Parse(Get("PORT"), System.Globalization.CultureInfo.InvariantCulture),
            User = Get("USER"),
            Name = database ?? Get("DB"),
            PasswordEnv = $"FASTBAND_TEST_{prefix}_PASSWORD",
        };
    }
}

/// <summary>Watches /proc while a dump runs: what the child processes show to `ps`.</summary>
public static class ProcessWatch
{
    public sealed record Observation(int Seen, List<string> Leaks, HashSet<string> Cmdlines, HashSet<string> Environs);

    /// <summary>
    /// Polls every process until <paramref name="running"/> ends: any command line holding
    /// <paramref name="secret"/> is a leak, and so is the environment of any child of this process holding it.
    /// Counts the polls that saw a child whose command line contains <paramref name="tool"/>.
    /// </summary>
    public static Observation While(Task running, string secret, string tool)
    {
        int self = Environment.ProcessId;
        var result = new Observation(0, new List<string>(), new HashSet<string>(), new HashSet<string>());
        int seen = 0;
        // Between fork and exec a child still is a copy of this process (same command line, same
        // environment, which holds FASTBAND_TEST_*_PASSWORD): that is not what the tool shows to ps.
        string own = File.ReadAllText("/proc/self/cmdline").Replace('\0', ' ');
        while (!running.IsCompleted)
        {
            foreach (string dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == self) continue;
                string cmdline, status;
                try
                {
                    cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    if (cmdline.Contains(secret, StringComparison.Ordinal)) result.Leaks.Add($"pid {pid} command line: {cmdline.Replace(secret, "<password>")}");
                    status = File.ReadAllText(Path.Combine(dir, "status"));
                }
                catch (IOException) { continue; }
                catch (UnauthorizedAccessException) { continue; }
                string? ppid = status.Split('\n').FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal))?[5..].Trim();
                if (ppid != self.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
                string environ;
                try { environ = File.ReadAllText(Path.Combine(dir, "environ")); }
                catch (IOException) { continue; }
                catch (UnauthorizedAccessException) { continue; }
                if (environ.Length == 0) continue; // exited between the reads (a zombie shows nothing)
                if (cmdline == own) continue;      // forked, not yet exec'd
                if (environ.Contains(secret, StringComparison.Ordinal)) result.Leaks.Add($"pid {pid} ({cmdline.Split(' ')[0]}) environment holds the password");
                if (cmdline.Contains(tool, StringComparison.Ordinal))
                {
                    seen++;
                    result.Cmdlines.Add(cmdline);
                    result.Environs.Add(environ);
                }
            }
        }
        return result with { Seen = seen };
    }
}
