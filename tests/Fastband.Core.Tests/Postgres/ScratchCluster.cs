using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Fastband.Core.Tests.Postgres;

/// <summary>
/// A PostgreSQL cluster of one test's own (initdb, pg_ctl start/stop), so that the test can stop and start a real
/// server without disturbing the shared test server. Trust authentication on 127.0.0.1 (no password to handle);
/// run as the postgres user when the tests run as root, as tests/servers/start.sh does.
/// </summary>
internal sealed class ScratchCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _home;
    private readonly string _user;

    public ScratchCluster()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int v) ? v : 0).FirstOrDefault() ?? ""
            : "";
        Assert.True(_bin.Length > 0, "PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin: apt-get install postgresql (test.sh needs them too).");
        _user = Environment.UserName == "root" ? "postgres" : Environment.UserName;
        // /var/tmp, not the test's temp folder: the postgres user must be able to reach it.
        _home = Path.Combine("/var/tmp", "fastband-scratch-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(_home, "run"));
        Port = FreePort();
        if (_user != Environment.UserName) Run("chown", "-R", _user, _home);
        As(Path.Combine(_bin, "initdb"), "-D", Path.Combine(_home, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8");
    }

    public int Port { get; }

    /// <summary>A connection string for the store (no password: trust authentication).</summary>
    public string Connection => $"Host=127.0.0.1;Port={Port};Database=postgres;Username=postgres";

    public void Start() => As(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_home, "data"), "-l", Path.Combine(_home, "server.log"), "-w", "-t", "60",
        "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {Path.Combine(_home, "run")} -c fsync=off", "start");

    public void Stop() => As(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_home, "data"), "-w", "-t", "60", "-m", "fast", "stop");

    public void Dispose()
    {
        try { Stop(); } catch (Xunit.Sdk.XunitException) { /* not running */ }
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private void As(params string[] command)
    {
        if (_user == Environment.UserName) Run(command);
        else Run(new[] { "runuser", "-u", _user, "--" }.Concat(command).ToArray());
    }

    private static void Run(params string[] command)
    {
        var r = ChildProcess.Run(command[0], command[1..]);
        Assert.True(r.ExitCode == 0, $"{string.Join(' ', command)} failed: {r}");
    }
}
