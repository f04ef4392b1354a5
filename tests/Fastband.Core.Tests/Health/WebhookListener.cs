using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fastband.Core.Tests.Health;

/// <summary>A real HTTP listener on 127.0.0.1 that records what webhooks receive; it can hold requests until released.</summary>
public sealed class WebhookListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public WebhookListener(int port, ManualResetEventSlim? holdUntil = null)
    {
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                _ = Task.Run(() => Serve(context, holdUntil));
            }
        });
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/secret-token-123";

    public BlockingCollection<(string Method, string? ContentType, string? AlertId, string Body)> Received { get; } = new();

    /// <summary>Set when a request has arrived (before any hold).</summary>
    public ManualResetEventSlim Arrived { get; } = new();

    private void Serve(HttpListenerContext context, ManualResetEventSlim? holdUntil)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            string body = reader.ReadToEnd();
            Arrived.Set();
            holdUntil?.Wait(TimeSpan.FromMinutes(2));
            Received.Add((context.Request.HttpMethod, context.Request.ContentType, context.Request.Headers["X-Fastband-Alert-Id"], body));
            context.Response.StatusCode = 204;
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException) { }
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port nothing listens on (the moment it is returned), never the same twice in this process: tests run in
    /// parallel, and two listeners on one port in one process share the runtime's endpoint, so closing one breaks the other.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            lock (HandedOut)
                if (HandedOut.Add(port)) return port;
        }
    }

    public void Dispose()
    {
        // Close alone: on Linux the managed listener's Stop and Close each remove the prefixes, and the second removal
        // looks the port's endpoint up again, binding the port anew; once another test has that port, the bind fails
        // ("Address already in use") inside Dispose.
        try { _listener.Close(); }
        catch (HttpListenerException) { }
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
