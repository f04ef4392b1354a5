using System.Globalization;
using Npgsql;

namespace Fastband.Core.Store;

/// <summary>
/// LISTEN/NOTIFY for <see cref="PostgresStore"/>: each listener holds its own connection that LISTENs on the
/// topic's channel; writers call pg_notify in their transaction, which PostgreSQL delivers at commit. The
/// channel is per store (schema), so stores sharing a database do not wake each other.
/// </summary>
internal sealed class PostgresNotifications : IStoreNotifications
{
    /// <summary>A listener re-reads at least this often even without a notification (one lost with a dropped connection).</summary>
    internal static readonly TimeSpan SafetyInterval = TimeSpan.FromSeconds(30);

    private readonly PostgresTarget _target;

    public PostgresNotifications(PostgresTarget target) => _target = target;

    public bool Pushes => true;

    public IChangeListener Listen(string topic) => new Listener(_target, Channel(_target, topic));

    internal static string Channel(PostgresTarget target, string topic) =>
        $"fastband_{(uint)target.StoreKey:x8}_{topic}";

    private sealed class Listener : IChangeListener
    {
        private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(200);
        private readonly PostgresTarget _target;
        private readonly string _channel;
        private NpgsqlConnection? _connection;
        private bool _notified;

        public Listener(PostgresTarget target, string channel)
        {
            _target = target;
            _channel = channel;
            Connect();
        }

        private void Connect()
        {
            var connection = new NpgsqlConnection(_target.ConnectionString());
            try
            {
                connection.Open();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                connection.Dispose();
                throw _target.Unreachable(e);
            }
            connection.Notification += (_, _) => _notified = true;
            using var listen = new NpgsqlCommand($"LISTEN {PostgresTarget.Quote(_channel)};", connection);
            listen.ExecuteNonQuery();
            _connection = connection;
        }

        public bool WaitForChange(TimeSpan poll, CancellationToken cancellation)
        {
            var waited = TimeSpan.Zero;
            _notified = false;
            while (!cancellation.IsCancellationRequested && waited < SafetyInterval)
            {
                try
                {
                    if (_connection is null) Connect();
                    // Wait returns on a notification or after the slice; short slices keep cancellation prompt.
                    _connection!.Wait((int)Slice.TotalMilliseconds);
                    if (_notified) return true;
                }
                catch (Exception e) when (e is NpgsqlException or StoreException or InvalidOperationException or IOException)
                {
                    // The connection dropped: whatever was notified meanwhile is lost, so tell the reader to re-read now,
                    // after a pause so that a server that is down is not hammered.
                    _connection?.Dispose();
                    _connection = null;
                    cancellation.WaitHandle.WaitOne(poll);
                    return false;
                }
                waited += Slice;
            }
            return false;
        }

        public void Dispose() => _connection?.Dispose();

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"LISTEN {_channel}");
    }
}
