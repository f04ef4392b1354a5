using System.Diagnostics;

namespace Fastband.Core.Git;

/// <summary>
/// Serialises Fastband's git writers in one repository: an OS lock (flock on Unix) on
/// <c>&lt;git common dir&gt;/fastband.lock</c>, held for one commit, checkpoint, rollback or restore.
/// An OS lock is the right tool here (unlike agent locks, which must outlive their process): the work
/// lives inside one process, and a writer that dies releases it with its process, so nothing goes stale.
/// It sits in the common dir so that every worktree of the repository shares it (they share refs).
/// Git processes that are not Fastband's do not take it; the retries in <see cref="GitRunner.RunRetrying"/>
/// cover them.
/// </summary>
public sealed class GitWriterLock : IDisposable
{
    public const string FileName = "fastband.lock";

    private readonly FileStream _held;

    private GitWriterLock(FileStream held) => _held = held;

    /// <summary>Waits (polling every 1 to 8 ms, jittered) until the lock is free, up to <paramref name="timeout"/>.</summary>
    public static GitWriterLock Acquire(string gitCommonDirectory, CallerIdentity caller, string activity, TimeSpan timeout, TimeProvider clock)
    {
        string path = Path.Combine(gitCommonDirectory, FileName);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                // Who holds it, for a writer that gives up waiting (the locked file itself cannot be read meanwhile).
                try
                {
                    File.WriteAllText(path + ".holder", $"{activity} by {caller.Agent}, pid {caller.ProcessId} on {caller.Host}, since {TimeSpec.Display(clock.GetUtcNow())} UTC\n");
                }
                catch (IOException) { /* only a courtesy */ }
                return new GitWriterLock(held);
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                Thread.Sleep(1 + Random.Shared.Next(8));
            }
            catch (IOException)
            {
                throw new BlockedException("GitWriterBusy",
                    $"Another Fastband git writer held {path} for {timeout.TotalSeconds:F0} s ({Holder(path)}): wait for it to finish, or find it with 'fuser {path}'.");
            }
        }
    }

    private static string Holder(string path)
    {
        try
        {
            string line = File.ReadAllText(path + ".holder").Trim();
            return line.Length > 0 ? line : "holder unknown";
        }
        catch (IOException)
        {
            return "holder unknown";
        }
    }

    public void Dispose() => _held.Dispose();
}
