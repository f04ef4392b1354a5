using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Fastband.Core;

/// <summary>
/// Every YAML file Fastband reads passes here first. Anchors and aliases are refused: an alias inside the node it
/// names makes a tree with no end (the reader overflows its stack) and nested aliases multiply ("billion laughs")
/// until memory runs out. The events are read one at a time and nothing is expanded, so the check itself is safe.
/// </summary>
internal static class YamlGuard
{
    /// <summary>
    /// Throws <see cref="InvalidInputException"/> naming <paramref name="shownName"/> and the line of the first anchor
    /// or alias. Syntax errors surface as the parser's <see cref="YamlException"/>, for the caller's usual message.
    /// </summary>
    public static void RefuseAnchorsAndAliases(string text, string shownName, string errorId)
    {
        // An anchor is written with '&' and an alias with '*': a text with neither holds neither, and the parse is
        // skipped (config.yaml is read by every command; the walk was a quarter of reading it).
        if (text.AsSpan().IndexOfAny('&', '*') < 0) return;
        var parser = new Parser(new StringReader(text));
        while (parser.MoveNext())
        {
            var at = parser.Current switch
            {
                AnchorAlias alias => alias.Start,
                NodeEvent node when !node.Anchor.IsEmpty => node.Start,
                _ => (Mark?)null,
            };
            if (at is { } mark)
                throw new InvalidInputException(errorId,
                    $"YAML anchors and aliases are not supported in {shownName} (line {mark.Line}): write the value out.");
        }
    }

    /// <summary>How a file in the state folder is named in messages: <c>.fastband/config.yaml</c>.</summary>
    public static string Shown(string stateDirectory, string fileName) =>
        $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(stateDirectory))}/{fileName}";
}
