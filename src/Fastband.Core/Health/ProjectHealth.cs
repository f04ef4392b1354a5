using Fastband.Core.Store;

namespace Fastband.Core.Health;

/// <summary>
/// <c>fastband health</c> and Get-FastbandHealth from the start: opens the project and runs every check. A SQLite
/// store too damaged to open is itself the finding (an unhealthy report, exit 1), not an error instead of a report.
/// </summary>
public static class ProjectHealth
{
    /// <summary>The report; <paramref name="opened"/> sees the project once it is open (front ends warn about a store just created).</summary>
    public static HealthReport Run(ProjectOptions options, string? dashboardPath, Action<FastbandProject>? opened = null)
    {
        FastbandProject project;
        try
        {
            project = FastbandProject.Open(options);
        }
        catch (StoreException e) when (e.InnerException is Microsoft.Data.Sqlite.SqliteException)
        {
            string root = ProjectLocator.Resolve(options.ProjectPath, options.CurrentDirectory, options.Environment);
            string location = "sqlite:" + Path.GetFullPath(StoreFactory.SqlitePath(Path.Combine(root, ProjectLocator.StateFolderName)));
            var report = HealthService.StoreUnopened(root, location, e, options.Clock ?? TimeProvider.System);
            if (dashboardPath is not null) HealthDashboard.Write(report, dashboardPath);
            return report;
        }
        using (project)
        {
            opened?.Invoke(project);
            return project.Health.Run(dashboardPath);
        }
    }
}
