using System.Text.RegularExpressions;

namespace Fastband.Core.Locks;

/// <summary>
/// What a lock is taken on: a project-relative path, a directory (which covers everything under it) or a
/// glob (<c>*</c> and <c>?</c> within a segment, <c>**</c> across segments). Normalised the same way on every
/// OS: forward slashes, no <c>.</c> or <c>..</c> segments, no trailing slash. The whole project is <c>**</c>.
/// </summary>
public static class ResourcePath
{
    public const string WholeProject = "**";

    /// <summary>
    /// Resources Fastband leases for itself (the leader's lease is <c>fastband:leader</c>). They are not paths: they
    /// overlap only themselves, so a lock on the whole project never stands in the way of an election.
    /// </summary>
    public const string ReservedPrefix = "fastband:";

    public static bool IsReserved(string resource) => resource.StartsWith(ReservedPrefix, StringComparison.Ordinal);

    /// <summary>Paths compare case-insensitively on Windows only, as its file systems do.</summary>
    public static StringComparison Comparison { get; } =
        OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Turns what a user typed into the stored form, or refuses it in one sentence.</summary>
    public static string Normalize(string input, string projectRoot)
    {
        if (string.IsNullOrWhiteSpace(input))
            throw new InvalidInputException("InvalidResource", "A lock needs a path: give a project-relative file, folder or glob such as src/** .");
        string text = input.Trim().Replace('\\', '/');
        if (IsReserved(text))
            throw new InvalidInputException("ReservedResource", $"'{input}' is reserved for Fastband's own leases (the leader's is managed by 'fastband leader'): lock a project path.");
        if (Path.IsPathRooted(text) || text.StartsWith('/'))
        {
            string root = projectRoot.Replace('\\', '/').TrimEnd('/') + "/";
            if (!text.StartsWith(root, Comparison) && !string.Equals(text.TrimEnd('/') + "/", root, Comparison))
                throw Outside(input);
            text = text.Length >= root.Length ? text[root.Length..] : "";
        }
        var segments = new List<string>();
        foreach (string segment in text.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".") continue;
            if (segment == "..")
            {
                if (segments.Count == 0) throw Outside(input);
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            if (segment.Contains("**") && segment != "**")
                throw new InvalidInputException("InvalidResource", $"'{input}' puts ** inside a name: use ** as a whole segment, as in src/**/*.cs.");
            segments.Add(segment);
        }
        return segments.Count == 0 ? WholeProject : string.Join('/', segments);
    }

    private static InvalidInputException Outside(string input) =>
        new("ResourceOutsideProject", $"'{input}' is outside the project: lock paths inside it, relative to its root.");

    public static bool IsGlob(string resource) => resource.IndexOfAny(new[] { '*', '?' }) >= 0;

    /// <summary>
    /// Could a lock on <paramref name="a"/> and a lock on <paramref name="b"/> cover a common file?
    /// A folder covers what is under it; a glob covers what it matches and what is under that.
    /// </summary>
    public static bool Overlaps(string a, string b)
    {
        if (IsReserved(a) || IsReserved(b)) return string.Equals(a, b, StringComparison.Ordinal);
        var sa = a.Split('/');
        var sb = b.Split('/');
        bool ga = IsGlob(a), gb = IsGlob(b);
        if (!ga && !gb) return IsPrefix(sa, sb) || IsPrefix(sb, sa);
        if (ga && !gb) return GlobTouches(sa, sb);
        if (!ga && gb) return GlobTouches(sb, sa);
        // Two globs: compare what each is anchored to (the segments before its first wildcard). This can
        // report a conflict two globs would never really share, never the other way round.
        var pa = LiteralPrefix(sa);
        var pb = LiteralPrefix(sb);
        return IsPrefix(pa, pb) || IsPrefix(pb, pa);
    }

    /// <summary>Does the glob match the path, one of its ancestors, or something under it?</summary>
    private static bool GlobTouches(string[] glob, string[] path)
    {
        for (int k = 1; k <= path.Length; k++)
            if (MatchFull(glob, 0, path[..k], 0)) return true; // the glob covers the path or a folder above it
        return MatchPrefix(glob, 0, path, 0); // the path is a folder holding something the glob matches
    }

    private static bool MatchFull(string[] g, int gi, string[] p, int pi)
    {
        if (gi == g.Length) return pi == p.Length;
        if (g[gi] == "**") return MatchFull(g, gi + 1, p, pi) || (pi < p.Length && MatchFull(g, gi, p, pi + 1));
        return pi < p.Length && SegmentMatches(g[gi], p[pi]) && MatchFull(g, gi + 1, p, pi + 1);
    }

    /// <summary>Can the glob consume every segment of the path and still have pattern left (or be done)?</summary>
    private static bool MatchPrefix(string[] g, int gi, string[] p, int pi)
    {
        if (pi == p.Length) return true;
        if (gi == g.Length) return false;
        if (g[gi] == "**") return MatchPrefix(g, gi + 1, p, pi) || MatchPrefix(g, gi, p, pi + 1);
        return SegmentMatches(g[gi], p[pi]) && MatchPrefix(g, gi + 1, p, pi + 1);
    }

    private static bool SegmentMatches(string pattern, string segment)
    {
        if (!IsGlob(pattern)) return string.Equals(pattern, segment, Comparison);
        string regex = "^" + Regex.Escape(pattern).Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "$";
        var options = Comparison == StringComparison.OrdinalIgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None;
        return Regex.IsMatch(segment, regex, options | RegexOptions.CultureInvariant);
    }

    private static string[] LiteralPrefix(string[] segments) => segments.TakeWhile(s => !IsGlob(s)).ToArray();

    private static bool IsPrefix(string[] prefix, string[] path) =>
        prefix.Length <= path.Length && prefix.Select((s, i) => string.Equals(s, path[i], Comparison)).All(x => x);
}
