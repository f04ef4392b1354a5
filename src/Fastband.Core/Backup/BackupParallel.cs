namespace Fastband.Core.Backup;

/// <summary>The parallel loops of a backup and a restore (archives are independent: every core at once).</summary>
internal static class BackupParallel
{
    /// <summary>Runs a parallel loop and lets its first failure through as itself (a refusal stays a refusal, not an AggregateException).</summary>
    public static void Run(Action loop)
    {
        try
        {
            loop();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            var first = e.InnerExceptions.FirstOrDefault(x => x is FastbandException) ?? e.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
