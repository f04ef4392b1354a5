using System.Text.RegularExpressions;

namespace Fastband.Core.Backup;

/// <summary>
/// gitignore-style exclusions: a pattern without a slash matches a file or folder name at any depth
/// (<c>*.log</c>, <c>node_modules</c>); with a slash it matches from the project root (<c>build/out</c>,
/// <c>docs/*.pdf</c>); <c>**</c> spans folders. An excluded folder is not descended into.
/// </summary>
public sealed class ExcludeRules
{
    /// <summary>Never part of the code archive: state, history, dependencies, caches, build output, logs.</summary>
    public static readonly IReadOnlyList<string> Defaults = new[]
    {
        ".fastband", ".git", "node_modules", "__pycache__", "*.pyc", ".venv", "venv", ".tox", ".mypy_cache",
        ".pytest_cache", "logs", "*.log", ".DS_Store", "bin", "obj", ".build", "module",
    };

    private readonly List<(Regex Regex, bool Anchored)> _rules = new();

    // Most patterns are plain names (node_modules) or "*.ext": answered without a regex, since a scan
    // asks once per file of the tree.
    private readonly HashSet<string> _names = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
    private readonly List<string> _suffixes = new();
    private string[] _nameList = Array.Empty<string>();

    public ExcludeRules(IEnumerable<string> patterns)
    {
        foreach (string raw in patterns)
        {
            string p = raw.Trim().Replace('\\', '/').TrimEnd('/');
            if (p.Length == 0 || p.StartsWith('#')) continue;
            bool anchored = p.Contains('/');
            if (!anchored && p.IndexOfAny(new[] { '*', '?', '[' }) < 0) { _names.Add(p); continue; }
            if (!anchored && p.StartsWith("*.", StringComparison.Ordinal) && p.IndexOfAny(new[] { '*', '?', '[' }, 1) < 0) { _suffixes.Add(p[1..]); continue; }
            string body = Regex.Escape(p.TrimStart('/'))
                .Replace(@"\*\*/", "(?:.*/)?").Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]");
            var options = RegexOptions.CultureInvariant | (OperatingSystem.IsWindows() ? RegexOptions.IgnoreCase : RegexOptions.None);
            _rules.Add((new Regex("^" + body + "$", options), anchored));
        }
        _nameList = _names.ToArray();
    }

    /// <summary>Is this project-relative path (forward slashes) excluded?</summary>
    public bool IsExcluded(string relativePath) => IsExcluded(relativePath.AsSpan());

    /// <summary>The same, for a path held as a span: a scan asks once per file, and most answers need no string.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool IsExcluded(ReadOnlySpan<char> relativePath)
    {
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (string excluded in _nameList)
            if (name.Equals(excluded, comparison)) return true;
        foreach (string suffix in _suffixes)
            if (name.EndsWith(suffix, comparison)) return true;
        foreach (var (regex, anchored) in _rules)
            if (anchored ? regex.IsMatch(relativePath) : regex.IsMatch(name)) return true;
        return false;
    }
}
