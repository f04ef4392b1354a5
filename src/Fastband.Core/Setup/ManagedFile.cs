namespace Fastband.Core.Setup;

/// <summary>
/// A file Fastband writes whole (config.yaml, backup_config.yaml, systemd units, the Windows task script). Its first
/// line is the marker; --force rewrites a file only while the marker is there, so deleting that line makes it the user's.
/// </summary>
internal static class ManagedFile
{
    public const string MarkerPrefix = "# written by fastband init";

    public static string Version { get; } =
        (typeof(ManagedFile).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>The marker line, with its comment syntax.</summary>
    public static string Marker(string comment = "#") =>
        $"{comment} written by fastband init {Version}; 'fastband init --force' may rewrite this file: delete this line to keep your edits";

    public static bool HasMarker(string text, string comment = "#") =>
        text.StartsWith($"{comment} written by fastband init", StringComparison.Ordinal);

    /// <summary>The text after the marker line (the part compared: a newer version's marker alone is no change).</summary>
    public static string Body(string text)
    {
        int newline = text.IndexOf('\n');
        return newline < 0 ? "" : text[(newline + 1)..];
    }

    /// <summary>Decides what happens to <paramref name="path"/> given the text init would write there.</summary>
    public static (string Action, string? Message) Plan(string path, string desired, bool force, string comment = "#")
    {
        if (!File.Exists(path)) return (InitAction.Created, null);
        string current = File.ReadAllText(path).ReplaceLineEndings("\n");
        bool marked = HasMarker(current, comment);
        if (marked && Body(current) == Body(desired)) return (InitAction.Unchanged, null);
        if (!marked) return (InitAction.Kept, "it has no 'written by fastband init' first line, so it is yours; delete it to have init write it again");
        return force
            ? (InitAction.Rewritten, "it differed from what init writes, and --force rewrote it")
            : (InitAction.Kept, "it differs from what init writes (edited?): kept; 'fastband init --force' rewrites it");
    }

    public static void Write(string path, string text)
    {
        if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        string temp = path + ".fastband-tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
