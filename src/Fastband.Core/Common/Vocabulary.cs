namespace Fastband.Core;

/// <summary>
/// A closed set of names (event types, statuses, severities, kinds...): the one place where a name given by a
/// user, a script or another front end becomes the canonical spelling. Matching ignores case, surrounding
/// space, and '-' for '_', so HOLD, Hold and hold, or in-progress and in_progress, are the same name in the
/// CLI, the cmdlets and Core. Anything else is refused with one sentence listing the valid names.
/// </summary>
public sealed class Vocabulary
{
    private readonly string[] _names;

    /// <param name="what">What a name is, for the error: "ops log event type".</param>
    /// <param name="errorId">The error id a refusal carries: "InvalidEventType".</param>
    /// <param name="names">The canonical names, in the order lists show them.</param>
    public Vocabulary(string what, string errorId, params string[] names)
    {
        What = what;
        ErrorId = errorId;
        _names = names;
    }

    public string What { get; }

    public string ErrorId { get; }

    /// <summary>The canonical names, in their defined order.</summary>
    public IReadOnlyList<string> All => _names;

    /// <summary>The canonical spelling of <paramref name="name"/>, or false when it is none of the names.</summary>
    public bool TryNormalize(string? name, out string canonical)
    {
        canonical = "";
        if (name is null) return false;
        string candidate = name.Trim().Replace('-', '_');
        foreach (var known in _names)
        {
            if (string.Equals(known, candidate, StringComparison.OrdinalIgnoreCase))
            {
                canonical = known;
                return true;
            }
        }
        return false;
    }

    /// <summary>The canonical spelling of <paramref name="name"/>; refuses anything else, naming the valid ones.</summary>
    public string Normalize(string? name) =>
        TryNormalize(name, out var canonical)
            ? canonical
            : throw new InvalidInputException(ErrorId, string.IsNullOrWhiteSpace(name)
                ? $"Give a{(StartsWithVowel(What) ? "n" : "")} {What}: one of {Listing}."
                : $"'{name}' is not a{(StartsWithVowel(What) ? "n" : "")} {What}: use one of {Listing}.");

    /// <summary>Each name normalised, comma-separated lists split, duplicates dropped; null or empty stays null (no filter).</summary>
    public IReadOnlyList<string>? NormalizeFilter(IEnumerable<string>? names)
    {
        if (names is null) return null;
        var list = names
            .SelectMany(n => (n ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Normalize).Distinct(StringComparer.Ordinal).ToArray();
        return list.Length == 0 ? null : list;
    }

    public bool Contains(string? name) => TryNormalize(name, out _);

    /// <summary>The position of a canonical name in the defined order, or -1.</summary>
    public int IndexOf(string name) => Array.IndexOf(_names, name);

    private string Listing => string.Join(", ", _names);

    private static bool StartsWithVowel(string s) => s.Length > 0 && "aeiou".Contains(char.ToLowerInvariant(s[0]));
}
