using System.Text.Json;

namespace Fastband.Core.Backup;

/// <summary>
/// One backup or restore at a time per project. An OS lock on a file (flock on Unix), so it dies with its
/// process: a killed backup never blocks the next one. Who holds it is written beside it for the refusal.
/// </summary>
public sealed class BackupGuard : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _holderFile;

    private BackupGuard(FileStream held, string holderFile)
    {
        _lock = held;
        _holderFile = holderFile;
    }

    public static BackupGuard Acquire(string backupsDirectory, CallerIdentity caller, string activity, TimeProvider clock)
    {
        string lockPath = Path.Combine(backupsDirectory, ".lock");
        string holderPath = Path.Combine(backupsDirectory, ".lock.holder");
        FileStream held;
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(backupsDirectory)) is { } state) OwnerOnly.EnsureFolder(state);
            TarArchives.CreateOwnerOnlyDirectory(backupsDirectory);
            held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw NotWritable(backupsDirectory, e);
        }
        catch (IOException e)
        {
            // A held lock and a read-only file system both surface as IOException: only a folder we can write in has a holder.
            if (!CanWriteIn(backupsDirectory)) throw NotWritable(backupsDirectory, e);
            throw new BlockedException("BackupRunning", $"Another backup or restore is running in this project: {Describe(holderPath)}; wait for it to finish.");
        }
        try
        {
            WriteHolder(holderPath, new Holder(activity, caller.Agent, caller.Host, caller.ProcessId, clock.GetUtcNow()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            held.Dispose();
            throw NotWritable(backupsDirectory, e);
        }
        return new BackupGuard(held, holderPath);
    }

    /// <summary>True when a new file can be made in <paramref name="folder"/> (which then exists).</summary>
    private static bool CanWriteIn(string folder)
    {
        try
        {
            if (!Directory.Exists(folder)) return false;
            using var probe = new FileStream(Path.Combine(folder, $".probe-{Environment.ProcessId}-{Guid.NewGuid():N}"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The folder that cannot be written: the backups folder, or the nearest one above it that exists.</summary>
    private static NotWritableException NotWritable(string backupsDirectory, Exception e)
    {
        string folder = backupsDirectory;
        while (!Directory.Exists(folder) && Path.GetDirectoryName(folder) is { } parent) folder = parent;
        return new NotWritableException("BackupFolderNotWritable",
            $"The folder {folder} cannot be written ({e.Message.TrimEnd('.')}), so no backup or restore can run: make it writable for this user (or mount it read-write) and try again.", e);
    }

    /// <summary>Who holds the guard now, or null if nobody does.</summary>
    public static string? CurrentHolder(string backupsDirectory)
    {
        string lockPath = Path.Combine(backupsDirectory, ".lock");
        if (!File.Exists(lockPath)) return null;
        try
        {
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return null;
        }
        catch (IOException)
        {
            return Describe(Path.Combine(backupsDirectory, ".lock.holder"));
        }
    }

    private static string Describe(string holderPath)
    {
        try
        {
            var h = JsonSerializer.Deserialize(File.ReadAllText(holderPath), PlainJsonContext.Default.Holder);
            if (h is not null) return $"{h.Activity} by {h.Agent}, pid {h.Pid} on {h.Host}, since {TimeSpec.Display(h.Since)} UTC";
        }
        catch (Exception e) when (e is IOException or JsonException) { }
        return "holder unknown";
    }

    public void Dispose()
    {
        try { File.Delete(_holderFile); } catch (IOException) { }
        _lock.Dispose();
    }

    /// <summary>
    /// The holder as JSON, with the writer rather than the serializer: every backup writes it, and the serializer's
    /// first use costs a fresh process about 25 ms, as much as the rest of an unchanged re-run's set-up.
    /// </summary>
    private static void WriteHolder(string path, Holder h)
    {
        using var file = File.Create(path);
        using var json = new Utf8JsonWriter(file);
        json.WriteStartObject();
        json.WriteString(nameof(Holder.Activity), h.Activity);
        json.WriteString(nameof(Holder.Agent), h.Agent);
        json.WriteString(nameof(Holder.Host), h.Host);
        json.WriteNumber(nameof(Holder.Pid), h.Pid);
        json.WriteString(nameof(Holder.Since), h.Since);
        json.WriteEndObject();
    }

    internal sealed record Holder(string Activity, string Agent, string Host, int Pid, DateTimeOffset Since);
}
