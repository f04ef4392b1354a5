using System.Text;

namespace Fastband.Core.Store;

/// <summary>
/// Queues this machine's writers to one store before they ask SQLite for the write lock.
///
/// The bundled SQLite is built without usleep, so its busy handler sleeps in whole seconds, and
/// Microsoft.Data.Sqlite's own retry loop sleeps 150 ms: a writer that meets another would wait far
/// longer than the other holds the lock. A named system mutex wakes the next writer the moment the
/// lock is released, and a holder that dies leaves it abandoned, which the next waiter takes over.
/// SQLite's own locking stays underneath as the guarantee; the gate only makes waiting fast.
/// </summary>
internal sealed class WriterGate : IDisposable
{
    private readonly Mutex? _mutex;

    public WriterGate(string databasePath)
    {
        // Global\ so that processes from different terminal sessions share it. The path is hashed with FNV-1a, not
        // SHA-256: a cryptographic hash loads OpenSSL (libcrypto, 4.7 MB) into every process that opens a store,
        // about 2 ms of a 12 ms command; a collision would only make two stores share one queue.
        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(databasePath)) hash = (hash ^ b) * 1099511628211;
        string name = @"Global\fastband-writers-" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            _mutex = new Mutex(initiallyOwned: false, name);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException or WaitHandleCannotBeOpenedException or PlatformNotSupportedException)
        {
            _mutex = null; // e.g. another user owns the name: SQLite's locking alone still keeps writes safe
        }
    }

    /// <summary>True when this process could join the machine-wide queue.</summary>
    public bool IsShared => _mutex is not null;

    /// <summary>Waits for this machine's other writers; false if the timeout passed first.</summary>
    public bool TryEnter(TimeSpan timeout)
    {
        if (_mutex is null) return true;
        try
        {
            return _mutex.WaitOne(timeout);
        }
        catch (AbandonedMutexException)
        {
            return true; // its holder died mid-write; SQLite rolled that write back, and the gate is ours now
        }
    }

    public void Exit() => _mutex?.ReleaseMutex();

    public void Dispose() => _mutex?.Dispose();
}
