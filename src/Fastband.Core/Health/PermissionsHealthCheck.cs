namespace Fastband.Core.Health;

/// <summary>
/// Whether other users can read .fastband/ or the SQLite store (the messages, locks and ops log in it). New projects
/// are created owner-only (<see cref="OwnerOnly"/>); an older one keeps its modes, since a team may share it on
/// purpose, and this check names each loose path with the chmod that tightens it.
/// </summary>
public sealed class PermissionsHealthCheck : IHealthCheck
{
    private readonly string _stateDirectory;

    public PermissionsHealthCheck(string stateDirectory) => _stateDirectory = stateDirectory;

    public string Name => "permissions";

    public IEnumerable<HealthFinding> Check(DateTimeOffset now)
    {
        string db = Path.Combine(_stateDirectory, FastbandProject.DatabaseFileName);
        var loose = OwnerOnly.Loose(_stateDirectory, new[] { db, db + "-wal", db + "-shm" });
        if (loose.Count == 0)
        {
            yield return new HealthFinding(Name, _stateDirectory, HealthState.Healthy,
                OperatingSystem.IsWindows() ? "File modes are not checked on Windows." : $"{_stateDirectory} and the store are readable by their owner only.");
            yield break;
        }
        string list = string.Join(", ", loose.Select(l => $"{Path.GetFileName(l.Path)} ({OwnerOnly.Octal(l.Mode)})"));
        yield return new HealthFinding(Name, _stateDirectory, HealthState.Warning,
            $"Other users have access to {list} in {_stateDirectory}: unless the project is shared on purpose, run 'chmod 700 {_stateDirectory} && chmod 600 {db}*'.")
        {
            Details = new Dictionary<string, object?> { ["loose"] = loose.ToDictionary(l => l.Path, l => OwnerOnly.Octal(l.Mode)) },
        };
    }
}
