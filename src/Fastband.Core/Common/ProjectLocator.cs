namespace Fastband.Core;

/// <summary>Finds the project whose <c>.fastband/</c> folder holds the store.</summary>
public static class ProjectLocator
{
    public const string StateFolderName = ".fastband";

    /// <summary>
    /// The explicit project, else FASTBAND_PROJECT, else the nearest ancestor of <paramref name="currentDirectory"/>
    /// that holds <c>.fastband/</c>, else <paramref name="currentDirectory"/> itself.
    /// </summary>
    public static string Resolve(string? explicitProject, string currentDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? chosen = !string.IsNullOrWhiteSpace(explicitProject) ? explicitProject
            : environment("FASTBAND_PROJECT") is { Length: > 0 } fromEnv ? fromEnv
            : null;
        if (chosen is not null)
        {
            string full = Path.GetFullPath(chosen, currentDirectory);
            if (!Directory.Exists(full))
                throw new NotFoundException("ProjectNotFound",
                    $"The project folder '{full}' does not exist: pass an existing folder with --project (or -Project), or unset FASTBAND_PROJECT.");
            return full;
        }
        string start = Path.GetFullPath(currentDirectory);
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, StateFolderName))) return dir.FullName;
        }
        return start;
    }
}
