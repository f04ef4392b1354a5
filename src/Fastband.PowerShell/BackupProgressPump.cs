using System.Collections.Concurrent;
using System.Management.Automation;
using Fastband.Core.Backup;

namespace Fastband.PowerShell;

/// <summary>
/// Turns Core's backup progress (reported from worker threads) into Write-Progress on the pipeline thread:
/// the work runs on a task while this thread writes each report as it arrives.
/// </summary>
internal static class BackupProgressPump
{
    public static T Run<T>(Cmdlet cmdlet, Func<IProgress<BackupProgress>, T> work)
    {
        using var queue = new BlockingCollection<BackupProgress>();
        var progress = new QueueProgress(queue);
        var task = Task.Run(() =>
        {
            try { return work(progress); }
            finally { queue.CompleteAdding(); }
        });
        string activity = "Backup";
        foreach (var p in queue.GetConsumingEnumerable())
        {
            activity = p.Activity;
            cmdlet.WriteProgress(new ProgressRecord(0x0FBA, p.Activity, p.Status) { PercentComplete = Math.Clamp(p.Percent, 0, 100) });
        }
        cmdlet.WriteProgress(new ProgressRecord(0x0FBA, activity, "done") { RecordType = ProgressRecordType.Completed });
        return task.GetAwaiter().GetResult();
    }

    private sealed class QueueProgress : IProgress<BackupProgress>
    {
        private readonly BlockingCollection<BackupProgress> _queue;

        public QueueProgress(BlockingCollection<BackupProgress> queue) => _queue = queue;

        public void Report(BackupProgress value)
        {
            try { _queue.TryAdd(value); }
            catch (InvalidOperationException) { } // the run already ended
        }
    }
}
