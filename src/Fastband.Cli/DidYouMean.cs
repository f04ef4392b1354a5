using System.CommandLine;

namespace Fastband.Cli;

/// <summary>
/// The nearest name to a word the command line did not know: a subcommand of the command it was given to, or for a
/// word starting with '-' one of the options that command takes (its own and the global ones). Near means at most
/// one edit for a short word and a third of its length for a longer one (a swap of two letters counts as one).
/// </summary>
public static class DidYouMean
{
    public static string? Suggest(string token, Command command)
    {
        if (string.IsNullOrEmpty(token)) return null;
        IEnumerable<string> names = token.StartsWith('-')
            ? OptionsOf(command).SelectMany(o => o.Aliases.Prepend(o.Name))
            : command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
        int limit = Math.Max(1, token.TrimStart('-').Length / 3);
        return names.Distinct(StringComparer.Ordinal)
            .Select(n => (Name: n, Distance: Distance(token, n)))
            .Where(c => c.Distance > 0 && c.Distance <= limit)
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name).FirstOrDefault();
    }

    private static IEnumerable<Option> OptionsOf(Command command)
    {
        foreach (var o in command.Options.Where(o => !o.Hidden)) yield return o;
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            foreach (var o in parent.Options.Where(o => o.Recursive && !o.Hidden)) yield return o;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) from <paramref name="a"/> to <paramref name="b"/>, ignoring case.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
