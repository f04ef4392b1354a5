using System.Text.RegularExpressions;
using Fastband.Core.Backup.Database;

namespace Fastband.Core.Backup;

/// <summary>
/// A manifest is text anyone with write access to the folder could have made, checksums included, so nothing in
/// it names a path: before a verify or a restore reads anything, its id must have the shape Fastband gives ids and
/// be the folder's own name, its components must be from the closed set, and each artifact must be the one file
/// name Fastband writes for its component. Paths are then derived from those, never from the manifest's text.
/// </summary>
internal static partial class ManifestRules
{
    [GeneratedRegex(@"^[0-9]{8}-[0-9]{6}-(daily|weekly|manual)-[0-9a-f]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdShape();

    [GeneratedRegex(@"^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Shape();

    public static bool IsBackupId(string? id) => id is not null && IdShape().IsMatch(id);

    /// <summary>The one file name an artifact of <paramref name="component"/> has.</summary>
    public static string ArtifactFileName(string component, string? databaseType) =>
        component == BackupComponent.Database ? DatabaseBackups.DumpFileName(databaseType ?? "") : $"{component}_backup.tar.gz";

    /// <summary>Throws InvalidManifest naming the first thing out of shape; reads nothing but the manifest already loaded.</summary>
    public static void Check(BackupInfo backup)
    {
        var m = backup.Manifest;
        string folder = Path.GetFileName(backup.Path);
        string typeFolder = Path.GetFileName(Path.GetDirectoryName(backup.Path) ?? "");
        if (!IsBackupId(m.Id) || m.Id != folder || !BackupTypes.All.Contains(m.BackupType) || m.BackupType != typeFolder || !m.Id.Contains("-" + m.BackupType + "-"))
            throw Invalid(folder, $"its id '{m.Id}' is not the shape Fastband makes (yyyyMMdd-HHmmss-<type>-<4 hex>) or not its folder's name");
        // A backup folder (or its type folder) that is a link would have its artifacts read from wherever it points.
        if (new DirectoryInfo(backup.Path).LinkTarget is not null || new DirectoryInfo(Path.GetDirectoryName(backup.Path)!).LinkTarget is not null)
            throw Invalid(m.Id, "its folder is a link, which Fastband never makes");
        foreach (string c in m.Components.Keys)
            if (!BackupComponent.All.Contains(c)) throw Invalid(m.Id, $"it names a component '{c}', not one of {string.Join(", ", BackupComponent.All)}");
        if (m.DatabaseType is { } type)
        {
            try { DatabaseBackups.For(type); }
            catch (InvalidInputException) { throw Invalid(m.Id, $"its database type '{type}' is not one Fastband backs up"); }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in m.Artifacts)
        {
            if (!BackupComponent.All.Contains(a.Component)) throw Invalid(m.Id, $"an artifact names a component '{a.Component}', not one of {string.Join(", ", BackupComponent.All)}");
            if (!seen.Add(a.Component)) throw Invalid(m.Id, $"it lists the {a.Component} artifact twice");
            if (a.Component == BackupComponent.Database && m.DatabaseType is null) throw Invalid(m.Id, "it has a database artifact but no database type");
            string expected = ArtifactFileName(a.Component, m.DatabaseType);
            if (a.File != expected) throw Invalid(m.Id, $"its {a.Component} artifact is called '{a.File}', where Fastband writes '{expected}' in the backup's own folder");
            if (!Sha256Shape().IsMatch(a.Sha256 ?? "")) throw Invalid(m.Id, $"its {a.Component} checksum is not a sha256");
        }
    }

    private static InvalidInputException Invalid(string backup, string why) =>
        new("InvalidManifest", $"Backup {backup} cannot be trusted: {why}; nothing was read, written or deleted.");
}
