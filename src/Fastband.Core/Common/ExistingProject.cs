using Fastband.Core.Backup;
using Fastband.Core.Store;

namespace Fastband.Core;

/// <summary>
/// Opens a project only when it is already there, for readers that must never create anything, such as
/// tab completion: it runs on every key press, in whatever folder the shell is in.
/// </summary>
public static class ExistingProject
{
    /// <summary>
    /// The project the options resolve to (as <see cref="FastbandProject.Open"/> resolves it), when its SQLite store
    /// file exists; otherwise null. A PostgreSQL store also gives null: telling whether one exists means connecting
    /// to its server (which may be away, so the key press would wait) and opening one creates its tables.
    /// </summary>
    public static FastbandProject? OpenStore(ProjectOptions options)
    {
        string? state = StateDirectory(options);
        if (state is null) return null;
        var environment = options.Environment ?? Environment.GetEnvironmentVariable;
        if (FastbandConfig.Load(state).Store.SelectPostgres(environment) is not null) return null;
        if (!File.Exists(StoreFactory.SqlitePath(state))) return null;
        return FastbandProject.Open(options);
    }

    /// <summary>The backup manager of the project the options resolve to, when that project has a .fastband/ folder; otherwise null.</summary>
    public static BackupService? OpenBackups(ProjectOptions options) =>
        StateDirectory(options) is null ? null : FastbandProject.OpenBackups(options);

    /// <summary>The project's .fastband/ folder when it exists; null when there is none (or the project folder is missing).</summary>
    private static string? StateDirectory(ProjectOptions options)
    {
        string root;
        try
        {
            root = ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory, options.Environment);
        }
        catch (NotFoundException)
        {
            return null;
        }
        string state = Path.Combine(root, ProjectLocator.StateFolderName);
        return Directory.Exists(state) ? state : null;
    }
}
